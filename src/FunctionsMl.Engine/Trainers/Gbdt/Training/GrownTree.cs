using System.Runtime.CompilerServices;
using FunctionsMl.Engine.Trainers.Gbdt.Binning;

namespace FunctionsMl.Engine.Trainers.Gbdt.Training;

/// <summary>A split node of a tree being grown. A child index c &lt; 0 is leaf ~c.</summary>
internal struct GrownNode
{
    public int Feature;
    public int Bin;
    public float Threshold;
    public bool DefaultLeft;
    public int Left;
    public int Right;
    public double Gain;
}

/// <summary>
/// One tree as grown: split nodes keep their bin as well as their float threshold, so the trainer can
/// route binned rows (validation, out-of-bag) exactly as the compiled model will route raw ones.
/// </summary>
internal sealed class GrownTree
{
    public GrownTree(GrownNode[] nodes, float[] leafValues)
    {
        Nodes = nodes;
        LeafValues = leafValues;
    }

    /// <summary>Node 0 is the root when there is any; a tree with no split is the single leaf 0.</summary>
    public GrownNode[] Nodes { get; }

    /// <summary>Shrunk leaf values, already rounded to the float the model stores.</summary>
    public float[] LeafValues { get; }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int LeafOf(BinnedMatrix bins, int row)
    {
        if (Nodes.Length == 0)
        {
            return 0;
        }

        var node = 0;
        do
        {
            ref readonly var split = ref Nodes[node];
            var bin = bins[row, split.Feature];
            node = bin == 0 ? (split.DefaultLeft ? split.Left : split.Right) : (bin <= split.Bin ? split.Left : split.Right);
        }
        while (node >= 0);
        return ~node;
    }
}

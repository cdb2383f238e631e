using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace FunctionsMl.Engine.Interop.Trees;

/// <summary>
/// Trees compiled to flat arrays, shared by the XGBoost, LightGBM and ONNX importers. Immutable; safe to use from
/// many threads at once. Nothing here allocates.
/// </summary>
internal sealed class DecisionForest
{
    /// <summary>LightGBM's <c>kZeroThreshold</c>: values this close to zero count as zero.</summary>
    private const double ZeroThreshold = 1e-35f;

    private readonly ForestNode[] _nodes;
    private readonly int[] _roots;
    private readonly int[] _leafStart;
    private readonly int[] _leafTarget;
    private readonly double[] _leafWeight;
    private readonly MemberSet[] _sets;

    internal DecisionForest(ForestNode[] nodes, int[] roots, int[] leafStart, int[] leafTarget, double[] leafWeight, MemberSet[] sets, int featureCount, int targetCount)
    {
        _nodes = nodes;
        _roots = roots;
        _leafStart = leafStart;
        _leafTarget = leafTarget;
        _leafWeight = leafWeight;
        _sets = sets;
        FeatureCount = featureCount;
        TargetCount = targetCount;
    }

    public int FeatureCount { get; }

    public int TargetCount { get; }

    public int TreeCount => _roots.Length;

    public int NodeCount => _nodes.Length;

    /// <summary>Adds every tree's leaf votes for one row to <paramref name="scores"/> (one per target).</summary>
    public void AddScores<T>(ReadOnlySpan<T> row, Span<double> scores)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckRow(row.Length);
        ref var features = ref MemoryMarshal.GetReference(row);
        for (var tree = 0; tree < _roots.Length; tree++)
        {
            AddLeaf(~FindLeaf(ref features, _roots[tree]), scores);
        }
    }

    /// <summary>
    /// Adds the votes of every tree for <paramref name="rowCount"/> rows of <paramref name="rows"/> (row-major,
    /// <see cref="FeatureCount"/> per row) to <paramref name="scores"/> (<see cref="TargetCount"/> per row). Trees
    /// go in the outer loop so each tree stays in cache for the whole block.
    /// </summary>
    public void AddScoresBlock<T>(ReadOnlySpan<T> rows, int rowCount, Span<double> scores)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (rows.Length < rowCount * FeatureCount || scores.Length < rowCount * TargetCount)
        {
            throw new ArgumentException("The block is shorter than its row count says.", nameof(rows));
        }

        ref var first = ref MemoryMarshal.GetReference(rows);
        for (var tree = 0; tree < _roots.Length; tree++)
        {
            var root = _roots[tree];
            for (var r = 0; r < rowCount; r++)
            {
                var leaf = ~FindLeaf(ref Unsafe.Add(ref first, r * FeatureCount), root);
                AddLeaf(leaf, scores.Slice(r * TargetCount, TargetCount));
            }
        }
    }

    /// <summary>The leaf (an index into the leaf arrays) one row reaches in one tree.</summary>
    public int LeafOf<T>(int tree, ReadOnlySpan<T> row)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckRow(row.Length);
        return ~FindLeaf(ref MemoryMarshal.GetReference(row), _roots[tree]);
    }

    /// <summary>The (target, weight) votes of a leaf.</summary>
    public (ReadOnlyMemory<int> Targets, ReadOnlyMemory<double> Weights) VotesOf(int leaf)
    {
        var start = _leafStart[leaf];
        var length = _leafStart[leaf + 1] - start;
        return (_leafTarget.AsMemory(start, length), _leafWeight.AsMemory(start, length));
    }

    public int LeafStart(int leaf) => _leafStart[leaf];

    public int LeafEnd(int leaf) => _leafStart[leaf + 1];

    public int LeafTarget(int vote) => _leafTarget[vote];

    public double LeafWeight(int vote) => _leafWeight[vote];

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void AddLeaf(int leaf, Span<double> scores)
    {
        var end = _leafStart[leaf + 1];
        for (var vote = _leafStart[leaf]; vote < end; vote++)
        {
            scores[_leafTarget[vote]] += _leafWeight[vote];
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int FindLeaf<T>(ref T features, int index)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ref var nodes = ref MemoryMarshal.GetArrayDataReference(_nodes);
        while (index >= 0)
        {
            ref var node = ref Unsafe.Add(ref nodes, index);
            var x = double.CreateTruncating(Unsafe.Add(ref features, node.Feature));
            var goTrue = node.Kind == NodeKind.Less
                ? (x < node.Threshold) | (double.IsNaN(x) & node.MissingTrue)
                : Decide(ref node, x);
            index = goTrue ? node.True : node.False;
        }

        return index;
    }

    private bool Decide(ref ForestNode node, double x)
    {
        if (double.IsNaN(x))
        {
            return node.MissingTrue;
        }

        return node.Kind switch
        {
            NodeKind.LessOrEqual => x <= node.Threshold,
            NodeKind.Equal => x == node.Threshold,
            NodeKind.Member => _sets[(int)node.Threshold].Contains(x),
            NodeKind.LessOrEqualZeroMissing => Math.Abs(x) <= ZeroThreshold ? node.MissingTrue : x <= node.Threshold,
            _ => x < node.Threshold,
        };
    }

    private void CheckRow(int length)
    {
        if (length < FeatureCount)
        {
            throw new ArgumentException($"The row has {length} features; the trees read {FeatureCount}.", "row");
        }
    }
}

using System.Runtime.InteropServices;

namespace FunctionsMl.Engine.Interop.Trees;

/// <summary>One split of a compiled forest. A child index ≥ 0 is a node, &lt; 0 is the leaf <c>~child</c>.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct ForestNode
{
    /// <summary>The threshold, or the index of the member set for <see cref="NodeKind.Member"/>.</summary>
    public double Threshold;

    public int Feature;

    public int True;

    public int False;

    public NodeKind Kind;

    /// <summary>Where NaN (and, for zero-as-missing nodes, zero) goes.</summary>
    public bool MissingTrue;
}

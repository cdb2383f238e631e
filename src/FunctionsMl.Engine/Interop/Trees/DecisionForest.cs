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

    /// <summary>
    /// The same nodes for float rows when every split is a plain <c>x &lt; t</c>: 16 bytes each, the threshold rounded
    /// up to a float (for a float x, x &lt; t exactly when x &lt; the smallest float ≥ t) and the missing direction in
    /// the feature's sign bit. Null when some split needs the general path.
    /// </summary>
    private readonly FloatNode[]? _floatNodes;

    /// <summary>Each leaf's single vote, when every leaf has exactly one; null otherwise.</summary>
    private readonly int[]? _singleTarget;

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
        _floatNodes = FloatNodes(nodes);
        if (leafStart.Length > 1 && Enumerable.Range(0, leafStart.Length - 1).All(leaf => leafStart[leaf + 1] - leafStart[leaf] == 1))
        {
            _singleTarget = leafTarget;
        }
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
        if (typeof(T) == typeof(float) && _floatNodes is not null)
        {
            ref var floats = ref Unsafe.As<T, float>(ref features);
            ref var nodes = ref MemoryMarshal.GetArrayDataReference(_floatNodes);
            var tree = 0;

            // Eight trees walked together for one row: independent chains of loads, as in the batch path.
            for (; tree + 8 <= _roots.Length; tree += 8)
            {
                int i0 = _roots[tree], i1 = _roots[tree + 1], i2 = _roots[tree + 2], i3 = _roots[tree + 3];
                int i4 = _roots[tree + 4], i5 = _roots[tree + 5], i6 = _roots[tree + 6], i7 = _roots[tree + 7];
                while ((i0 & i1 & i2 & i3 & i4 & i5 & i6 & i7) >= 0)
                {
                    i0 = i0 >= 0 ? Step(ref nodes, ref floats, i0) : i0;
                    i1 = i1 >= 0 ? Step(ref nodes, ref floats, i1) : i1;
                    i2 = i2 >= 0 ? Step(ref nodes, ref floats, i2) : i2;
                    i3 = i3 >= 0 ? Step(ref nodes, ref floats, i3) : i3;
                    i4 = i4 >= 0 ? Step(ref nodes, ref floats, i4) : i4;
                    i5 = i5 >= 0 ? Step(ref nodes, ref floats, i5) : i5;
                    i6 = i6 >= 0 ? Step(ref nodes, ref floats, i6) : i6;
                    i7 = i7 >= 0 ? Step(ref nodes, ref floats, i7) : i7;
                }

                AddLeaf(~i0, scores);
                AddLeaf(~i1, scores);
                AddLeaf(~i2, scores);
                AddLeaf(~i3, scores);
                AddLeaf(~i4, scores);
                AddLeaf(~i5, scores);
                AddLeaf(~i6, scores);
                AddLeaf(~i7, scores);
            }

            for (; tree < _roots.Length; tree++)
            {
                AddLeaf(~FindLeafFloat(ref floats, _roots[tree]), scores);
            }

            return;
        }

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
        if (typeof(T) == typeof(float) && _floatNodes is not null)
        {
            ref var floats = ref Unsafe.As<T, float>(ref first);
            ref var nodes = ref MemoryMarshal.GetArrayDataReference(_floatNodes);
            var width = FeatureCount;
            for (var tree = 0; tree < _roots.Length; tree++)
            {
                var root = _roots[tree];
                var r = 0;

                // Eight rows walk the tree together: independent chains of loads keep the core busy while each
                // waits for its next node.
                for (; r + 8 <= rowCount; r += 8)
                {
                    ref var row0 = ref Unsafe.Add(ref floats, r * width);
                    ref var row1 = ref Unsafe.Add(ref row0, width);
                    ref var row2 = ref Unsafe.Add(ref row1, width);
                    ref var row3 = ref Unsafe.Add(ref row2, width);
                    ref var row4 = ref Unsafe.Add(ref row3, width);
                    ref var row5 = ref Unsafe.Add(ref row4, width);
                    ref var row6 = ref Unsafe.Add(ref row5, width);
                    ref var row7 = ref Unsafe.Add(ref row6, width);
                    int i0 = root, i1 = root, i2 = root, i3 = root, i4 = root, i5 = root, i6 = root, i7 = root;
                    while ((i0 & i1 & i2 & i3 & i4 & i5 & i6 & i7) >= 0)
                    {
                        i0 = i0 >= 0 ? Step(ref nodes, ref row0, i0) : i0;
                        i1 = i1 >= 0 ? Step(ref nodes, ref row1, i1) : i1;
                        i2 = i2 >= 0 ? Step(ref nodes, ref row2, i2) : i2;
                        i3 = i3 >= 0 ? Step(ref nodes, ref row3, i3) : i3;
                        i4 = i4 >= 0 ? Step(ref nodes, ref row4, i4) : i4;
                        i5 = i5 >= 0 ? Step(ref nodes, ref row5, i5) : i5;
                        i6 = i6 >= 0 ? Step(ref nodes, ref row6, i6) : i6;
                        i7 = i7 >= 0 ? Step(ref nodes, ref row7, i7) : i7;
                    }

                    var targets = TargetCount;
                    AddLeaf(~i0, scores.Slice(r * targets, targets));
                    AddLeaf(~i1, scores.Slice((r + 1) * targets, targets));
                    AddLeaf(~i2, scores.Slice((r + 2) * targets, targets));
                    AddLeaf(~i3, scores.Slice((r + 3) * targets, targets));
                    AddLeaf(~i4, scores.Slice((r + 4) * targets, targets));
                    AddLeaf(~i5, scores.Slice((r + 5) * targets, targets));
                    AddLeaf(~i6, scores.Slice((r + 6) * targets, targets));
                    AddLeaf(~i7, scores.Slice((r + 7) * targets, targets));
                }

                for (; r < rowCount; r++)
                {
                    var leaf = ~FindLeafFloat(ref Unsafe.Add(ref floats, r * width), root);
                    AddLeaf(leaf, scores.Slice(r * TargetCount, TargetCount));
                }
            }

            return;
        }

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
        if (_singleTarget is not null)
        {
            scores[_singleTarget[leaf]] += _leafWeight[leaf];
            return;
        }

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

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int FindLeafFloat(ref float features, int index)
    {
        ref var nodes = ref MemoryMarshal.GetArrayDataReference(_floatNodes!);
        while (index >= 0)
        {
            index = Step(ref nodes, ref features, index);
        }

        return index;
    }

    /// <summary>One split of the float fast path, without branches: reads True or False by offset.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Step(ref FloatNode nodes, ref float features, int index)
    {
        ref var node = ref Unsafe.Add(ref nodes, index);
        var x = Unsafe.Add(ref features, node.Feature & int.MaxValue);
        var goTrue = (x < node.Threshold) | ((node.Feature < 0) & float.IsNaN(x));
        return Unsafe.Add(ref node.True, goTrue ? 0 : 1);
    }

    private static FloatNode[]? FloatNodes(ForestNode[] nodes)
    {
        var result = new FloatNode[nodes.Length];
        for (var i = 0; i < nodes.Length; i++)
        {
            var node = nodes[i];
            if (node.Kind != NodeKind.Less || node.Threshold > float.MaxValue)
            {
                return null;
            }

            var threshold = (float)node.Threshold;
            if (threshold < node.Threshold)
            {
                threshold = MathF.BitIncrement(threshold);
            }

            result[i] = new FloatNode
            {
                Threshold = threshold,
                Feature = node.MissingTrue ? node.Feature | int.MinValue : node.Feature,
                True = node.True,
                False = node.False,
            };
        }

        return result;
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

/// <summary>A split of the float fast path: x &lt; Threshold goes to True; a NaN goes to True when Feature's sign bit is set.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct FloatNode
{
    public float Threshold;

    public int Feature;

    public int True;

    public int False;
}

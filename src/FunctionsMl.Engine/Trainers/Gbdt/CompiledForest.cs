using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace FunctionsMl.Engine.Trainers.Gbdt;

/// <summary>
/// The trees laid out for scoring without branches. Every leaf becomes a node whose children are itself, so
/// a walk of exactly the tree's depth ends on the row's leaf whatever path it took, and each step picks a
/// child by arithmetic rather than by a branch the processor would mispredict half the time. Walks of four
/// rows (a batch) or four trees (one row) run interleaved, so their memory loads overlap.
/// </summary>
internal sealed class CompiledForest
{
    /// <summary>Trees walked together for one row.</summary>
    private const int Lanes = 4;

    /// <summary>Rows walked together through one tree.</summary>
    private const int BatchLanes = 8;

    private readonly GbdtModel.Node[] _nodes;
    private readonly float[] _values;
    private readonly int[] _roots;
    private readonly int[] _depths;
    private readonly int _scoresPerRow;

    public CompiledForest(ReadOnlySpan<GbdtModel.Node> nodes, ReadOnlySpan<int> roots, ReadOnlySpan<float> leafValues, int scoresPerRow)
    {
        _scoresPerRow = scoresPerRow;
        // Every node and leaf once, plus one slot per tree for its root.
        var slots = nodes.Length + leafValues.Length;
        var layout = new GbdtModel.Node[slots];
        _values = new float[slots];
        _roots = new int[roots.Length];
        _depths = new int[roots.Length];
        var next = 0;
        var pending = new Queue<(int Source, int Slot, int Depth)>();
        for (var tree = 0; tree < roots.Length; tree++)
        {
            // Breadth first, each node's children given two adjacent slots: the right child is left + 1.
            var depth = 0;
            pending.Enqueue((roots[tree], _roots[tree] = next++, 0));
            while (pending.TryDequeue(out var item))
            {
                depth = Math.Max(depth, item.Depth);
                if (item.Source < 0)
                {
                    // A leaf walks to itself: +infinity keeps every value left, and missing values go left too.
                    layout[item.Slot] = new GbdtModel.Node(0, true, float.PositiveInfinity, item.Slot, item.Slot);
                    _values[item.Slot] = leafValues[~item.Source];
                    continue;
                }

                var node = nodes[item.Source];
                var left = next;
                next += 2;
                layout[item.Slot] = new GbdtModel.Node(node.Feature, node.DefaultLeft, node.Threshold, left, left + 1);
                pending.Enqueue((node.Left, left, item.Depth + 1));
                pending.Enqueue((node.Right, left + 1, item.Depth + 1));
            }

            _depths[tree] = depth;
        }

        _nodes = layout;
    }

    /// <summary>Adds every tree's leaf value for one row to <paramref name="scores"/> (one per class).</summary>
    public void AddRow(ref float row, Span<double> scores)
    {
        for (var k = 0; k < _scoresPerRow; k++)
        {
            AddClass(ref row, k, ref scores[k]);
        }
    }

    /// <summary>Adds the leaf values of class <paramref name="k"/>'s trees for one row to <paramref name="score"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void AddClass(ref float row, int k, ref double score)
    {
        ref var nodes = ref MemoryMarshal.GetArrayDataReference(_nodes);
        ref var values = ref MemoryMarshal.GetArrayDataReference(_values);
        var stride = _scoresPerRow;
        var trees = _roots.Length;
        var sum = score;
        var tree = k;
        // Four trees of the class at a time, added in tree order so that batch and single rows agree exactly.
        for (; tree + ((Lanes - 1) * stride) < trees; tree += Lanes * stride)
        {
            int n0 = _roots[tree], n1 = _roots[tree + stride], n2 = _roots[tree + (2 * stride)], n3 = _roots[tree + (3 * stride)];
            var depth = Math.Max(Math.Max(_depths[tree], _depths[tree + stride]), Math.Max(_depths[tree + (2 * stride)], _depths[tree + (3 * stride)]));
            for (var step = 0; step < depth; step++)
            {
                var m0 = Step(ref nodes, n0, ref row);
                var m1 = Step(ref nodes, n1, ref row);
                var m2 = Step(ref nodes, n2, ref row);
                var m3 = Step(ref nodes, n3, ref row);
                // All four on their leaves (which walk to themselves): stop early. Leaf-wise trees are lopsided,
                // so a row's paths are often much shorter than the deepest of the four trees.
                if (((m0 ^ n0) | (m1 ^ n1) | (m2 ^ n2) | (m3 ^ n3)) == 0)
                {
                    break;
                }

                (n0, n1, n2, n3) = (m0, m1, m2, m3);
            }

            sum += Unsafe.Add(ref values, n0);
            sum += Unsafe.Add(ref values, n1);
            sum += Unsafe.Add(ref values, n2);
            sum += Unsafe.Add(ref values, n3);
        }

        for (; tree < trees; tree += stride)
        {
            var n = _roots[tree];
            for (var step = _depths[tree]; step > 0; step--)
            {
                n = Step(ref nodes, n, ref row);
            }

            sum += Unsafe.Add(ref values, n);
        }

        score = sum;
    }

    /// <summary>
    /// Adds every tree's leaf values for <paramref name="rowCount"/> rows, <paramref name="columns"/> floats
    /// apart from <paramref name="firstRow"/>, to <paramref name="scores"/> (row-major, one per class).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void AddRows(ref float firstRow, int rowCount, int columns, Span<double> scores)
    {
        ref var nodes = ref MemoryMarshal.GetArrayDataReference(_nodes);
        ref var values = ref MemoryMarshal.GetArrayDataReference(_values);
        ref var score = ref MemoryMarshal.GetReference(scores);
        var stride = _scoresPerRow;
        for (var tree = 0; tree < _roots.Length; tree++)
        {
            var root = _roots[tree];
            var depth = _depths[tree];
            var k = tree % stride;
            var r = 0;
            for (; r + BatchLanes <= rowCount; r += BatchLanes)
            {
                ref var row0 = ref Unsafe.Add(ref firstRow, (nint)r * columns);
                ref var row1 = ref Unsafe.Add(ref row0, columns);
                ref var row2 = ref Unsafe.Add(ref row1, columns);
                ref var row3 = ref Unsafe.Add(ref row2, columns);
                ref var row4 = ref Unsafe.Add(ref row3, columns);
                ref var row5 = ref Unsafe.Add(ref row4, columns);
                ref var row6 = ref Unsafe.Add(ref row5, columns);
                ref var row7 = ref Unsafe.Add(ref row6, columns);
                int n0 = root, n1 = root, n2 = root, n3 = root, n4 = root, n5 = root, n6 = root, n7 = root;
                for (var step = 0; step < depth; step++)
                {
                    n0 = Step(ref nodes, n0, ref row0);
                    n1 = Step(ref nodes, n1, ref row1);
                    n2 = Step(ref nodes, n2, ref row2);
                    n3 = Step(ref nodes, n3, ref row3);
                    n4 = Step(ref nodes, n4, ref row4);
                    n5 = Step(ref nodes, n5, ref row5);
                    n6 = Step(ref nodes, n6, ref row6);
                    n7 = Step(ref nodes, n7, ref row7);
                }

                ref var target = ref Unsafe.Add(ref score, (r * stride) + k);
                target += Unsafe.Add(ref values, n0);
                Unsafe.Add(ref target, stride) += Unsafe.Add(ref values, n1);
                Unsafe.Add(ref target, 2 * stride) += Unsafe.Add(ref values, n2);
                Unsafe.Add(ref target, 3 * stride) += Unsafe.Add(ref values, n3);
                Unsafe.Add(ref target, 4 * stride) += Unsafe.Add(ref values, n4);
                Unsafe.Add(ref target, 5 * stride) += Unsafe.Add(ref values, n5);
                Unsafe.Add(ref target, 6 * stride) += Unsafe.Add(ref values, n6);
                Unsafe.Add(ref target, 7 * stride) += Unsafe.Add(ref values, n7);
            }

            for (; r < rowCount; r++)
            {
                ref var row = ref Unsafe.Add(ref firstRow, (nint)r * columns);
                var n = root;
                for (var step = 0; step < depth; step++)
                {
                    n = Step(ref nodes, n, ref row);
                }

                Unsafe.Add(ref score, (r * stride) + k) += Unsafe.Add(ref values, n);
            }
        }
    }

    /// <summary>One level down: left when the value is at most the threshold, or missing with missing going left.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Step(ref GbdtModel.Node nodes, int index, ref float row)
    {
        ref var node = ref Unsafe.Add(ref nodes, index);
        var value = Unsafe.Add(ref row, node.Feature);
        // NaN fails every comparison: "not at most" is 1 for right and for missing; missing-left undoes it.
        var right = Unsafe.BitCast<bool, byte>(!(value <= node.Threshold));
        var missingLeft = Unsafe.BitCast<bool, byte>(float.IsNaN(value)) & Unsafe.BitCast<bool, byte>(node.DefaultLeft);
        return node.Left + (right ^ missingLeft);
    }
}

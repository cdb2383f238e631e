using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace FunctionsMl.Engine.Trainers.Gbdt;

/// <summary>
/// The trees laid out for scoring without branches. Every leaf becomes a node whose children are itself, so
/// a walk of the tree's depth ends on the row's leaf whatever path it took, and each step picks a child by
/// arithmetic rather than by a branch the processor would mispredict half the time: a node's children sit
/// side by side, the right one at left + 1. Walks of four trees (one row) or eight rows (a batch) run
/// interleaved, so their memory loads overlap. Rows without missing values, the usual case, take a shorter
/// step that skips the missing-value test.
/// </summary>
internal sealed class CompiledForest
{
    /// <summary>Trees walked together for one row.</summary>
    private const int Lanes = 4;

    /// <summary>Rows walked together through one tree.</summary>
    private const int BatchLanes = 8;

    private readonly FlatNode[] _nodes;
    private readonly float[] _values;
    private readonly int[] _roots;
    private readonly int[] _depths;
    private readonly int _scoresPerRow;

    public CompiledForest(ReadOnlySpan<GbdtModel.Node> nodes, ReadOnlySpan<int> roots, ReadOnlySpan<float> leafValues, int scoresPerRow)
    {
        _scoresPerRow = scoresPerRow;
        // Every split and leaf once: one slot for each root and two for the children of each split.
        _nodes = new FlatNode[nodes.Length + leafValues.Length];
        _values = new float[_nodes.Length];
        _roots = new int[roots.Length];
        _depths = new int[roots.Length];
        var next = 0;
        var pending = new Queue<(int Source, int Slot, int Depth)>();
        for (var tree = 0; tree < roots.Length; tree++)
        {
            var depth = 0;
            pending.Enqueue((roots[tree], _roots[tree] = next++, 0));
            while (pending.TryDequeue(out var item))
            {
                depth = Math.Max(depth, item.Depth);
                if (item.Source < 0)
                {
                    // +infinity keeps every value on the left child, the leaf itself; missing values too.
                    _nodes[item.Slot] = new FlatNode(0, float.PositiveInfinity, item.Slot, item.Slot);
                    _values[item.Slot] = leafValues[~item.Source];
                    continue;
                }

                var node = nodes[item.Source];
                var left = next;
                next += 2;
                _nodes[item.Slot] = new FlatNode(node.Feature, node.Threshold, left, node.DefaultLeft ? left : left + 1);
                pending.Enqueue((node.Left, left, item.Depth + 1));
                pending.Enqueue((node.Right, left + 1, item.Depth + 1));
            }

            _depths[tree] = depth;
        }
    }

    /// <summary>Adds every tree's leaf value for one row to <paramref name="scores"/> (one per class).</summary>
    public void AddRow(ReadOnlySpan<float> row, Span<double> scores)
    {
        ref var first = ref MemoryMarshal.GetReference(row);
        var missing = HasMissing(row);
        for (var k = 0; k < _scoresPerRow; k++)
        {
            if (missing)
            {
                AddClass<MissingAware>(ref first, k, ref scores[k]);
            }
            else
            {
                AddClass<NoMissing>(ref first, k, ref scores[k]);
            }
        }
    }

    /// <summary>Adds the leaf values of class <paramref name="k"/>'s trees for one row to <paramref name="score"/>.</summary>
    public void AddClass(ReadOnlySpan<float> row, int k, ref double score)
    {
        ref var first = ref MemoryMarshal.GetReference(row);
        if (HasMissing(row))
        {
            AddClass<MissingAware>(ref first, k, ref score);
        }
        else
        {
            AddClass<NoMissing>(ref first, k, ref score);
        }
    }

    /// <summary>
    /// Adds every tree's leaf values for <paramref name="rowCount"/> rows, <paramref name="columns"/> floats
    /// apart from <paramref name="firstRow"/>, to <paramref name="scores"/> (row-major, one per class).
    /// </summary>
    public void AddRows(ref float firstRow, int rowCount, int columns, Span<double> scores)
    {
        if (HasMissing(MemoryMarshal.CreateReadOnlySpan(ref firstRow, rowCount * columns)))
        {
            AddRows<MissingAware>(ref firstRow, rowCount, columns, scores);
        }
        else
        {
            AddRows<NoMissing>(ref firstRow, rowCount, columns, scores);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void AddClass<TStep>(ref float row, int k, ref double score)
        where TStep : struct, IStep
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
                var m0 = TStep.Next(ref nodes, n0, ref row);
                var m1 = TStep.Next(ref nodes, n1, ref row);
                var m2 = TStep.Next(ref nodes, n2, ref row);
                var m3 = TStep.Next(ref nodes, n3, ref row);
                // All four on their leaves, which walk to themselves: stop. Leaf-wise trees are lopsided, so a
                // row's paths are often much shorter than the deepest of the four trees.
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
                n = TStep.Next(ref nodes, n, ref row);
            }

            sum += Unsafe.Add(ref values, n);
        }

        score = sum;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void AddRows<TStep>(ref float firstRow, int rowCount, int columns, Span<double> scores)
        where TStep : struct, IStep
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
                    n0 = TStep.Next(ref nodes, n0, ref row0);
                    n1 = TStep.Next(ref nodes, n1, ref row1);
                    n2 = TStep.Next(ref nodes, n2, ref row2);
                    n3 = TStep.Next(ref nodes, n3, ref row3);
                    n4 = TStep.Next(ref nodes, n4, ref row4);
                    n5 = TStep.Next(ref nodes, n5, ref row5);
                    n6 = TStep.Next(ref nodes, n6, ref row6);
                    n7 = TStep.Next(ref nodes, n7, ref row7);
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
                    n = TStep.Next(ref nodes, n, ref row);
                }

                Unsafe.Add(ref score, (r * stride) + k) += Unsafe.Add(ref values, n);
            }
        }
    }

    /// <summary>Whether any value is NaN; a value is NaN exactly when it differs from itself.</summary>
    private static bool HasMissing(ReadOnlySpan<float> values)
    {
        var i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            for (; i + Vector256<float>.Count <= values.Length; i += Vector256<float>.Count)
            {
                var vector = Vector256.Create(values.Slice(i, Vector256<float>.Count));
                if (!Vector256.EqualsAll(vector, vector))
                {
                    return true;
                }
            }
        }

        for (; i < values.Length; i++)
        {
            if (float.IsNaN(values[i]))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>One level down a tree; implemented by structs so that each walk is compiled for its own step.</summary>
    private interface IStep
    {
        static abstract int Next(ref FlatNode nodes, int index, ref float row);
    }

    /// <summary>For rows that may hold NaN: a missing value goes to the node's missing-value child.</summary>
    private readonly struct MissingAware : IStep
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static int Next(ref FlatNode nodes, int index, ref float row)
        {
            ref var node = ref Unsafe.Add(ref nodes, index);
            var value = Unsafe.Add(ref row, node.Feature);
            // NaN is not greater than anything, so it would go left; the mask moves it to the missing child.
            var step = node.Left + Unsafe.BitCast<bool, byte>(value > node.Threshold);
            var missing = -Unsafe.BitCast<bool, byte>(float.IsNaN(value));
            return step + ((node.MissingChild - node.Left) & missing);
        }
    }

    /// <summary>For rows known to hold no NaN.</summary>
    private readonly struct NoMissing : IStep
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static int Next(ref FlatNode nodes, int index, ref float row)
        {
            ref var node = ref Unsafe.Add(ref nodes, index);
            return node.Left + Unsafe.BitCast<bool, byte>(Unsafe.Add(ref row, node.Feature) > node.Threshold);
        }
    }

    /// <summary>A split or a leaf: left when the value is at most the threshold, right (left + 1) when above.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private readonly struct FlatNode(int feature, float threshold, int left, int missingChild)
    {
        public readonly int Feature = feature;
        public readonly float Threshold = threshold;
        public readonly int Left = left;

        /// <summary>Where a missing value goes: the left child or the right one.</summary>
        public readonly int MissingChild = missingChild;
    }
}

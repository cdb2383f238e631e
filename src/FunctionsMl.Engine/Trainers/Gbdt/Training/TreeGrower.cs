using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;
using FunctionsMl.Engine.Trainers.Gbdt.Binning;

namespace FunctionsMl.Engine.Trainers.Gbdt.Training;

/// <summary>
/// Grows one tree leaf-wise (best leaf first) on binned data. Each split builds the histogram of the
/// smaller child and derives the larger one by subtracting it from the parent's. Buffers live as long as
/// the grower, so growing a tree allocates almost nothing.
/// </summary>
/// <remarks>
/// Results do not depend on the number of threads: a pass hands whole features to threads, so each
/// feature's histogram is summed by one thread in row order; splits are compared in feature order; and a
/// stable partition has one possible result however its chunks are scheduled.
/// </remarks>
[SkipLocalsInit]
internal sealed class TreeGrower
{
    /// <summary>Below this much work (histogram cells plus split-search bins) a pass runs on the calling
    /// thread: the hand-off to the thread pool would cost more than it saves.</summary>
    private const int ParallelWorkThreshold = 16 * 1024;

    /// <summary>Rows per unit of parallel partitioning; fixed, so the work split never depends on thread count.</summary>
    private const int PartitionChunkRows = 16 * 1024;

    private readonly BinnedMatrix _bins;
    private readonly FeatureBins[] _featureBins;
    private readonly HistogramPool _pool;
    private readonly SplitFinder _finder;
    private readonly int _maxLeaves;
    private readonly int _maxDepth;
    private readonly double _learningRate;
    private readonly ParallelOptions _parallel;
    private readonly Action<int> _featurePass;

    /// <summary>Rows of the current tree's sample, each leaf's rows a contiguous stretch in ascending row order.</summary>
    private readonly int[] _indices;
    private readonly int[] _left;
    private readonly int[] _right;
    private readonly int[] _chunkLeftCounts;
    private readonly Action<int> _partitionChunk;

    /// <summary>_ordered[i] = gradients[_indices[i]] for the stretches being summed, so histogram loops read them in order.</summary>
    private readonly GradientPair[] _ordered;
    private readonly Leaf[] _leaves;
    private readonly List<GrownNode> _nodes = [];
    private readonly SparseRows? _sparse;

    /// <summary>Per feature (indexed by feature, not by slot), the best split of the pass's first and second leaf.</summary>
    private readonly SplitCandidate[] _firstBest;
    private readonly SplitCandidate[] _secondBest;

    /// <summary>The tree's features in column storage, then those in <see cref="_sparse"/>; counts below.</summary>
    private readonly int[] _denseFeatures;
    private readonly int[] _sparseFeatures;
    private int _denseCount;
    private int _sparseCount;

    // The tree being grown and the histogram pass in flight; fields so the pass delegate allocates nothing.
    private GradientPair[] _gradients = [];
    private int[] _features = [];
    private int _leafCount;
    private bool _identityRows;
    private Leaf? _first;
    private Leaf? _second;
    private bool _buildFirst;
    private bool _buildSecond;
    private bool _subtractSecond;
    private SplitCandidate _partitionSplit;
    private int _partitionStart;
    private int _partitionEnd;
    private int _activeBins;

    public TreeGrower(BinnedMatrix bins, FeatureBins[] featureBins, GbdtOptions options, ParallelOptions parallel, long histogramBudgetBytes, double sparseThreshold)
    {
        _bins = bins;
        _featureBins = featureBins;
        _pool = new HistogramPool(new HistogramLayout(featureBins), options.Leaves, histogramBudgetBytes);
        _finder = new SplitFinder(options.L2, options.MinRowsPerLeaf, options.MinHessianPerLeaf);
        _maxLeaves = options.Leaves;
        _maxDepth = options.MaxDepth;
        _learningRate = options.LearningRate;
        _parallel = parallel;
        _featurePass = FeaturePass;
        _indices = new int[bins.RowCount];
        _left = new int[bins.RowCount];
        _right = new int[bins.RowCount];
        _chunkLeftCounts = new int[(bins.RowCount / PartitionChunkRows) + 2];
        _partitionChunk = PartitionChunk;
        _ordered = new GradientPair[bins.RowCount];
        _leaves = new Leaf[options.Leaves];
        for (var i = 0; i < _leaves.Length; i++)
        {
            _leaves[i] = new Leaf();
        }

        _firstBest = new SplitCandidate[featureBins.Length];
        _secondBest = new SplitCandidate[featureBins.Length];
        _denseFeatures = new int[featureBins.Length];
        _sparseFeatures = new int[featureBins.Length];
        _sparse = SparseRows.Create(bins, featureBins, _pool.Layout, sparseThreshold, parallel);
    }

    public int LeafCount => _leafCount;

    /// <summary>The sampled rows that ended in <paramref name="leaf"/> of the last tree grown.</summary>
    public ReadOnlySpan<int> LeafRows(int leaf) => _indices.AsSpan(_leaves[leaf].Start, _leaves[leaf].Count);

    /// <param name="gradients">Per training row.</param>
    /// <param name="sample">Rows to grow on, ascending; null for all rows.</param>
    /// <param name="features">Features the tree may split on, ascending.</param>
    public GrownTree Grow(GradientPair[] gradients, int[]? sample, int[] features)
    {
        _gradients = gradients;
        _features = features;
        _activeBins = 0;
        _denseCount = _sparseCount = 0;
        foreach (var feature in features)
        {
            _activeBins += _featureBins[feature].BinCount;
            if (_sparse?.IsSparse[feature] == true)
            {
                _sparseFeatures[_sparseCount++] = feature;
            }
            else
            {
                _denseFeatures[_denseCount++] = feature;
            }
        }

        _nodes.Clear();
        var rowCount = sample?.Length ?? _bins.RowCount;
        _identityRows = sample is null;
        if (sample is null)
        {
            for (var i = 0; i < rowCount; i++)
            {
                _indices[i] = i;
            }
        }
        else
        {
            sample.CopyTo(_indices, 0);
        }

        double gradientSum = 0, hessianSum = 0;
        for (var i = 0; i < rowCount; i++)
        {
            var pair = gradients[_indices[i]];
            gradientSum += pair.Gradient;
            hessianSum += pair.Hessian;
        }

        var root = _leaves[0];
        root.Reset(0, rowCount, new GradientSums(gradientSum, hessianSum, rowCount), depth: 0, parent: -1, isLeft: false);
        _leafCount = 1;
        if (CanSplit(root))
        {
            root.Histogram = AcquireHistogram();
            RunPass(root, build: true, null, buildSecond: false, subtractSecond: false);
        }

        while (_leafCount < _maxLeaves)
        {
            var best = -1;
            for (var i = 0; i < _leafCount; i++)
            {
                if (_leaves[i].Best.IsValid && (best < 0 || _leaves[i].Best.Gain > _leaves[best].Best.Gain))
                {
                    best = i;
                }
            }

            if (best < 0)
            {
                break;
            }

            Split(best);
        }

        var leafValues = new float[_leafCount];
        for (var i = 0; i < _leafCount; i++)
        {
            var leaf = _leaves[i];
            leafValues[i] = (float)(_finder.LeafValue(leaf.Sums) * _learningRate);
            if (leaf.Histogram is not null)
            {
                _pool.Return(leaf.Histogram);
                leaf.Histogram = null;
            }
        }

        return new GrownTree([.. _nodes], leafValues);
    }

    private bool CanSplit(Leaf leaf) =>
        _features.Length > 0 && (_maxDepth == 0 || leaf.Depth < _maxDepth) && _finder.CanSplit(leaf.Sums);

    private void Split(int leafIndex)
    {
        var leaf = _leaves[leafIndex];
        var split = leaf.Best;
        var leftCount = Partition(leaf.Start, leaf.Count, split);
        Debug.Assert(leftCount == split.Left.Count, "Partition and histogram disagree on the left child's rows.");

        var nodeIndex = _nodes.Count;
        var rightIndex = _leafCount++;
        _nodes.Add(new GrownNode
        {
            Feature = split.Feature,
            Bin = split.Bin,
            Threshold = _featureBins[split.Feature].ThresholdOf(split.Bin),
            DefaultLeft = split.DefaultLeft,
            Left = ~leafIndex,
            Right = ~rightIndex,
            Gain = split.Gain,
        });
        if (leaf.Parent >= 0)
        {
            var parent = _nodes[leaf.Parent];
            if (leaf.IsLeft)
            {
                parent.Left = nodeIndex;
            }
            else
            {
                parent.Right = nodeIndex;
            }

            _nodes[leaf.Parent] = parent;
        }

        var parentHistogram = leaf.Histogram;
        var parentSums = leaf.Sums;
        var parentStart = leaf.Start;
        var parentCount = leaf.Count;
        var depth = leaf.Depth + 1;
        var left = leaf;
        var right = _leaves[rightIndex];
        left.Reset(parentStart, leftCount, split.Left, depth, nodeIndex, isLeft: true);
        right.Reset(parentStart + leftCount, parentCount - leftCount, parentSums - split.Left, depth, nodeIndex, isLeft: false);

        var canSplitLeft = CanSplit(left);
        var canSplitRight = CanSplit(right);
        if (_leafCount == _maxLeaves || !(canSplitLeft || canSplitRight))
        {
            // Neither child will be split again: no histogram is needed.
            ReturnHistogram(parentHistogram);
            return;
        }

        var smallIsLeft = left.Count <= right.Count;
        var (small, large) = smallIsLeft ? (left, right) : (right, left);
        var canSplitSmall = smallIsLeft ? canSplitLeft : canSplitRight;
        var canSplitLarge = smallIsLeft ? canSplitRight : canSplitLeft;
        var subtract = parentHistogram is not null && canSplitLarge;
        if (!subtract)
        {
            ReturnHistogram(parentHistogram);
        }

        // Acquire before handing histograms to the children, so an eviction never takes one of theirs.
        var smallHistogram = canSplitSmall || subtract ? AcquireHistogram() : null;
        var largeHistogram = subtract ? parentHistogram : canSplitLarge ? AcquireHistogram() : null;
        small.Histogram = smallHistogram;
        large.Histogram = largeHistogram;
        RunPass(small, build: smallHistogram is not null, large, buildSecond: largeHistogram is not null && !subtract, subtractSecond: subtract);
    }

    /// <summary>Moves the rows of a leaf going left to the front of its stretch, keeping row order on both sides.</summary>
    /// <remarks>A stable partition has one possible result, so splitting the work into chunks cannot change it.</remarks>
    private int Partition(int start, int count, in SplitCandidate split)
    {
        var chunks = (count + PartitionChunkRows - 1) / PartitionChunkRows;
        _partitionSplit = split;
        _partitionStart = start;
        _partitionEnd = start + count;
        if (chunks > 1 && _parallel.MaxDegreeOfParallelism > 1)
        {
            Parallel.For(0, chunks, _parallel, _partitionChunk);
        }
        else
        {
            for (var chunk = 0; chunk < chunks; chunk++)
            {
                PartitionChunk(chunk);
            }
        }

        // Chunk by chunk: the left rows, then the right rows, each in their original order.
        var leftCount = 0;
        for (var chunk = 0; chunk < chunks; chunk++)
        {
            var chunkStart = start + (chunk * PartitionChunkRows);
            _left.AsSpan(chunkStart, _chunkLeftCounts[chunk]).CopyTo(_indices.AsSpan(start + leftCount));
            leftCount += _chunkLeftCounts[chunk];
        }

        var rightCount = 0;
        for (var chunk = 0; chunk < chunks; chunk++)
        {
            var chunkStart = start + (chunk * PartitionChunkRows);
            var chunkRows = Math.Min(PartitionChunkRows, start + count - chunkStart);
            var chunkRight = chunkRows - _chunkLeftCounts[chunk];
            _right.AsSpan(chunkStart, chunkRight).CopyTo(_indices.AsSpan(start + leftCount + rightCount));
            rightCount += chunkRight;
        }

        return leftCount;
    }

    /// <summary>Splits one chunk's rows into <see cref="_left"/> and <see cref="_right"/> at the chunk's own offset.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private unsafe void PartitionChunk(int chunk)
    {
        // Branch-free: which side a row goes is a coin toss to the branch predictor.
        var split = _partitionSplit;
        var bin = (uint)split.Bin;
        var missingLeft = split.DefaultLeft ? 1 : 0;
        var chunkStart = _partitionStart + (chunk * PartitionChunkRows);
        var count = Math.Min(PartitionChunkRows, _partitionEnd - chunkStart);
        var leftCount = 0;
        var rightCount = 0;
        fixed (byte* column = _bins.Column(split.Feature))
        fixed (int* indices = &_indices[chunkStart])
        fixed (int* left = &_left[chunkStart])
        fixed (int* right = &_right[chunkStart])
        {
            for (var i = 0; i < count; i++)
            {
                var row = indices[i];
                var value = (uint)column[row];
                // value - 1 wraps to uint.MaxValue for the missing bin 0, which then goes left only by default.
                var goesLeft = (value - 1 < bin ? 1 : 0) | (value == 0 ? missingLeft : 0);
                left[leftCount] = row;
                right[rightCount] = row;
                leftCount += goesLeft;
                rightCount += 1 - goesLeft;
            }
        }

        _chunkLeftCounts[chunk] = leftCount;
    }

    /// <summary>
    /// One pass over the tree's features that sums the histograms wanted and finds each leaf's best split.
    /// The first leaf is built from its rows when <paramref name="build"/>; the second is built from its
    /// rows or derived by subtracting the first from the parent histogram it already holds.
    /// </summary>
    private void RunPass(Leaf first, bool build, Leaf? second, bool buildSecond, bool subtractSecond)
    {
        _first = first;
        _second = second;
        _buildFirst = build;
        _buildSecond = buildSecond;
        _subtractSecond = subtractSecond;
        var cells = 0L;
        if (build)
        {
            Gather(first);
            cells += first.Count;
        }

        if (buildSecond)
        {
            Gather(second!);
            cells += second!.Count;
        }

        // Dense features read every row; the sparse ones together read a few entries per row.
        cells *= _denseCount + (_sparseCount > 0 ? 4 : 0);
        // The split search reads each bin a few times per leaf evaluated.
        var work = cells + (_activeBins * (second is null ? 4L : 8L));
        var tasks = _denseCount + (_sparseCount > 0 ? 1 : 0);
        if (_parallel.MaxDegreeOfParallelism > 1 && work >= ParallelWorkThreshold)
        {
            Parallel.For(0, tasks, _parallel, _featurePass);
        }
        else
        {
            for (var i = 0; i < tasks; i++)
            {
                FeaturePass(i);
            }
        }

        first.Best = Reduce(_firstBest, first.Histogram is not null);
        ReleaseIfUnsplittable(first);
        if (second is not null)
        {
            second.Best = Reduce(_secondBest, second.Histogram is not null);
            ReleaseIfUnsplittable(second);
        }

        _first = _second = null;
    }

    private SplitCandidate Reduce(SplitCandidate[] perFeature, bool evaluated)
    {
        var best = SplitCandidate.None;
        if (evaluated)
        {
            foreach (var feature in _features)
            {
                if (perFeature[feature].IsBetterThan(best))
                {
                    best = perFeature[feature];
                }
            }
        }

        return best;
    }

    /// <summary>Task 0 is every sparse feature when there are any (the longest task, so it starts first); the rest are one dense feature each.</summary>
    private void FeaturePass(int task)
    {
        if (_sparseCount > 0)
        {
            if (task == 0)
            {
                SparsePass();
                return;
            }

            task--;
        }

        DensePass(_denseFeatures[task]);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void DensePass(int feature)
    {
        var first = _first!;
        var firstBins = first.Histogram is null ? default : first.Histogram.Feature(feature);
        if (_buildFirst)
        {
            BuildFeature(firstBins, feature, first);
        }

        FinishFeature(feature, firstBins, sparse: false);
    }

    /// <summary>Sums the sparse features' stored entries for the leaves being built, then completes each feature.</summary>
    private void SparsePass()
    {
        var first = _first!;
        if (_buildFirst)
        {
            BuildSparse(first);
        }

        if (_buildSecond)
        {
            BuildSparse(_second!);
        }

        for (var i = 0; i < _sparseCount; i++)
        {
            var feature = _sparseFeatures[i];
            var firstBins = first.Histogram is null ? default : first.Histogram.Feature(feature);
            if (_buildFirst)
            {
                FillCommonBin(firstBins, feature, first.Sums);
            }

            FinishFeature(feature, firstBins, sparse: true);
        }
    }

    /// <summary>
    /// With the first leaf's histogram of <paramref name="feature"/> complete: finds its best split, then
    /// derives (by subtraction) or completes the second leaf's histogram and finds that one's best split.
    /// </summary>
    private void FinishFeature(int feature, Span<HistogramBin> firstBins, bool sparse)
    {
        var first = _first!;
        _firstBest[feature] = first.Histogram is not null && CanSplit(first)
            ? _finder.Best(firstBins, feature, first.Sums)
            : SplitCandidate.None;

        var second = _second;
        if (second?.Histogram is null)
        {
            return;
        }

        var secondBins = second.Histogram.Feature(feature);
        if (_subtractSecond)
        {
            Subtract(secondBins, firstBins);
        }
        else if (_buildSecond && sparse)
        {
            FillCommonBin(secondBins, feature, second.Sums);
        }
        else if (_buildSecond)
        {
            BuildFeature(secondBins, feature, second);
        }

        _secondBest[feature] = _finder.Best(secondBins, feature, second.Sums);
    }

    /// <summary>Adds the leaf's rows' stored sparse entries; the features' common bins are left for <see cref="FillCommonBin"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private unsafe void BuildSparse(Leaf leaf)
    {
        var histogram = leaf.Histogram!;
        for (var i = 0; i < _sparseCount; i++)
        {
            histogram.Feature(_sparseFeatures[i]).Clear();
        }

        var identity = _identityRows && leaf.Count == _bins.RowCount;
        var sparse = _sparse!;
        fixed (HistogramBin* bins = histogram.Bins)
        fixed (int* rowStarts = sparse.RowStarts)
        fixed (int* entries = sparse.Entries)
        fixed (int* indices = _indices)
        fixed (GradientPair* all = _gradients)
        fixed (GradientPair* ordered = _ordered)
        {
            var rows = indices + leaf.Start;
            var gradients = identity ? all : ordered + leaf.Start;
            for (var i = 0; i < leaf.Count; i++)
            {
                var row = identity ? i : rows[i];
                var end = rowStarts[row + 1];
                for (var e = rowStarts[row]; e < end; e++)
                {
                    var entry = bins + entries[e];
                    if (Avx.IsSupported)
                    {
                        Avx.Store((double*)entry, Avx.Add(Avx.LoadVector256((double*)entry), Avx.ConvertToVector256Double(Sse.LoadVector128((float*)(gradients + i)))));
                    }
                    else
                    {
                        entry->Gradient += gradients[i].Gradient;
                        entry->Hessian += gradients[i].Hessian;
                        entry->Count += gradients[i].Count;
                    }
                }
            }
        }
    }

    /// <summary>The common bin of a sparse feature holds whatever of the leaf its other bins do not.</summary>
    private void FillCommonBin(Span<HistogramBin> bins, int feature, in GradientSums leaf)
    {
        var common = _sparse!.CommonBins[feature];
        double gradient = 0, hessian = 0, count = 0;
        for (var b = 0; b < bins.Length; b++)
        {
            if (b != common)
            {
                gradient += bins[b].Gradient;
                hessian += bins[b].Hessian;
                count += bins[b].Count;
            }
        }

        bins[common] = new HistogramBin { Gradient = leaf.Gradient - gradient, Hessian = leaf.Hessian - hessian, Count = leaf.Count - count };
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Gather(Leaf leaf)
    {
        if (_identityRows && leaf.Count == _bins.RowCount)
        {
            return;
        }

        var gradients = _gradients;
        var end = leaf.Start + leaf.Count;
        for (var i = leaf.Start; i < end; i++)
        {
            _ordered[i] = gradients[_indices[i]];
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private unsafe void BuildFeature(Span<HistogramBin> histogram, int feature, Leaf leaf)
    {
        histogram.Clear();
        var identity = _identityRows && leaf.Count == _bins.RowCount;
        fixed (HistogramBin* bins = histogram)
        fixed (byte* column = _bins.Column(feature))
        fixed (int* indices = _indices)
        fixed (GradientPair* all = _gradients)
        fixed (GradientPair* ordered = _ordered)
        {
            // The root of an unsampled tree reads rows in order; any other leaf reads its rows' gathered gradients.
            var rows = indices + leaf.Start;
            var gradients = identity ? all : ordered + leaf.Start;
            var count = leaf.Count;
            if (Avx.IsSupported)
            {
                if (identity)
                {
                    for (var i = 0; i < count; i++)
                    {
                        var entry = (double*)(bins + column[i]);
                        Avx.Store(entry, Avx.Add(Avx.LoadVector256(entry), Avx.ConvertToVector256Double(Sse.LoadVector128((float*)(gradients + i)))));
                    }
                }
                else
                {
                    for (var i = 0; i < count; i++)
                    {
                        var entry = (double*)(bins + column[rows[i]]);
                        Avx.Store(entry, Avx.Add(Avx.LoadVector256(entry), Avx.ConvertToVector256Double(Sse.LoadVector128((float*)(gradients + i)))));
                    }
                }

                return;
            }

            for (var i = 0; i < count; i++)
            {
                var entry = bins + column[identity ? i : rows[i]];
                entry->Gradient += gradients[i].Gradient;
                entry->Hessian += gradients[i].Hessian;
                entry->Count += gradients[i].Count;
            }
        }
    }

    /// <summary>target -= source, bin by bin.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Subtract(Span<HistogramBin> target, ReadOnlySpan<HistogramBin> source)
    {
        fixed (HistogramBin* to = target)
        fixed (HistogramBin* from = source)
        {
            if (Avx.IsSupported)
            {
                for (var b = 0; b < target.Length; b++)
                {
                    Avx.Store((double*)(to + b), Avx.Subtract(Avx.LoadVector256((double*)(to + b)), Avx.LoadVector256((double*)(from + b))));
                }

                return;
            }

            for (var b = 0; b < target.Length; b++)
            {
                to[b].Gradient -= from[b].Gradient;
                to[b].Hessian -= from[b].Hessian;
                to[b].Count -= from[b].Count;
            }
        }
    }

    private Histogram AcquireHistogram()
    {
        var histogram = _pool.TryRent();
        if (histogram is not null)
        {
            return histogram;
        }

        // Over budget: take the histogram of the leaf least likely to be split next.
        Leaf? victim = null;
        for (var i = 0; i < _leafCount; i++)
        {
            var leaf = _leaves[i];
            if (leaf.Histogram is not null && (victim is null || victim.Best.IsBetterThan(leaf.Best)))
            {
                victim = leaf;
            }
        }

        histogram = victim!.Histogram!;
        victim.Histogram = null;
        return histogram;
    }

    /// <summary>A leaf with no split worth making never needs its histogram again.</summary>
    private void ReleaseIfUnsplittable(Leaf leaf)
    {
        if (!leaf.Best.IsValid && leaf.Histogram is not null)
        {
            _pool.Return(leaf.Histogram);
            leaf.Histogram = null;
        }
    }

    private void ReturnHistogram(Histogram? histogram)
    {
        if (histogram is not null)
        {
            _pool.Return(histogram);
        }
    }

    private sealed class Leaf
    {
        public int Start;
        public int Count;
        public GradientSums Sums;
        public int Depth;
        public int Parent;
        public bool IsLeft;
        public Histogram? Histogram;
        public SplitCandidate Best;

        public void Reset(int start, int count, GradientSums sums, int depth, int parent, bool isLeft)
        {
            Start = start;
            Count = count;
            Sums = sums;
            Depth = depth;
            Parent = parent;
            IsLeft = isLeft;
            Histogram = null;
            Best = SplitCandidate.None;
        }
    }
}

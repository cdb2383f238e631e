using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using FunctionsMl.Engine.Trainers.Gbdt.Training;
using FunctionsMl.Engine.Training;

namespace FunctionsMl.Engine.Trainers.Gbdt;

/// <summary>
/// A fitted ensemble of regression trees, compiled to flat arrays: immutable, safe to share between
/// threads, and allocation-free per row. A row goes left at a split when its value is at most the
/// threshold, and a missing value (NaN) goes the split's learned default way.
/// </summary>
[SkipLocalsInit]
public sealed class GbdtModel : IPredictor
{
    /// <summary>Bumped whenever <see cref="Write"/> changes what it writes.</summary>
    private const int FormatVersion = 1;

    /// <summary>Rows scored together by <see cref="PredictBatch"/>: a block's rows stay in cache while every tree walks them.</summary>
    private const int BlockRows = 64;

    /// <summary>Batches of at least this many rows are scored on several threads.</summary>
    private const int ParallelBatchRows = 8 * 1024;

    /// <summary>Raw scores a single-row prediction keeps on the stack.</summary>
    private const int StackScores = 64;

    private readonly Node[] _nodes;
    private readonly int[] _roots;
    private readonly float[] _leafValues;
    private readonly float[] _baseScores;
    private readonly double[] _featureImportance;
    private readonly CompiledForest _forest;

    internal GbdtModel(ModelTask task, int featureCount, int classCount, float[] baseScores, int[] roots, Node[] nodes, float[] leafValues, double[] featureImportance)
    {
        Task = task;
        FeatureCount = featureCount;
        ClassCount = classCount;
        _baseScores = baseScores;
        _roots = roots;
        _nodes = nodes;
        _leafValues = leafValues;
        _featureImportance = featureImportance;
        _forest = new CompiledForest(nodes, roots, leafValues, ScoresPerRow);
    }

    public string Kind => "gbdt";

    public ModelTask Task { get; }

    public int FeatureCount { get; }

    /// <summary>Classes of a classifier (2 for binary); 1 for regression.</summary>
    public int ClassCount { get; }

    public int OutputCount => Task == ModelTask.Regression ? 1 : ClassCount;

    /// <summary>All trees; a multiclass model has one per class per round, round after round.</summary>
    public int TreeCount => _roots.Length;

    /// <summary>Leaves over all trees: with <see cref="TreeCount"/>, the model's size.</summary>
    public int LeafCount => _leafValues.Length;

    /// <summary>Boosting rounds kept (after early stopping, the best round's).</summary>
    public int Rounds => _roots.Length / ScoresPerRow;

    /// <summary>Total split gain per feature over all trees: how much each feature reduced the loss.</summary>
    public IReadOnlyList<double> FeatureImportance => _featureImportance;

    /// <summary>Raw scores per row: one per class for multiclass, else one.</summary>
    internal int ScoresPerRow => Task == ModelTask.Multiclass ? ClassCount : 1;

    internal ReadOnlySpan<Node> Nodes => _nodes;

    internal ReadOnlySpan<int> Roots => _roots;

    internal ReadOnlySpan<float> LeafValues => _leafValues;

    internal ReadOnlySpan<float> BaseScores => _baseScores;

    /// <remarks>Fully optimised from the first call, so a cold instance's first requests are fast too.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Predict(ReadOnlySpan<float> features, Span<float> output)
    {
        if (features.Length != FeatureCount)
        {
            throw new ArgumentException($"Expected {FeatureCount} features, got {features.Length}.", nameof(features));
        }

        if (output.Length < OutputCount)
        {
            throw new ArgumentException($"Expected room for {OutputCount} outputs, got {output.Length}.", nameof(output));
        }

        var scoresPerRow = ScoresPerRow;
        if (scoresPerRow > StackScores)
        {
            // Only models with more classes than fit the stack buffer: score class by class in the output.
            PredictManyClasses(features, output);
            return;
        }

        Span<double> scores = stackalloc double[scoresPerRow];
        for (var k = 0; k < scoresPerRow; k++)
        {
            scores[k] = _baseScores[k];
        }

        _forest.AddRow(features, scores);
        for (var k = 0; k < scoresPerRow; k++)
        {
            output[k] = (float)scores[k];
        }

        Transform(output[..scoresPerRow], output);
    }

    public void PredictBatch(FeatureMatrix features, Span<float> output)
    {
        ArgumentNullException.ThrowIfNull(features);
        if (features.ColumnCount != FeatureCount)
        {
            throw new ArgumentException($"Expected {FeatureCount} features, got {features.ColumnCount}.", nameof(features));
        }

        var outputCount = OutputCount;
        if (output.Length < (long)features.RowCount * outputCount)
        {
            throw new ArgumentException($"Expected room for {features.RowCount * (long)outputCount} outputs, got {output.Length}.", nameof(output));
        }

        var blocks = (features.RowCount + BlockRows - 1) / BlockRows;
        if (features.RowCount < ParallelBatchRows || Environment.ProcessorCount == 1)
        {
            var scores = ArrayPool<double>.Shared.Rent(BlockRows * ScoresPerRow);
            for (var block = 0; block < blocks; block++)
            {
                PredictBlock(features, block, output, scores);
            }

            ArrayPool<double>.Shared.Return(scores);
            return;
        }

        PredictBlocksInParallel(features, blocks, output);
    }

    public void Write(BinaryWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.Write(FormatVersion);
        writer.Write((int)Task);
        writer.Write(FeatureCount);
        writer.Write(ClassCount);
        WriteArray(writer, _baseScores, writer.Write);
        WriteArray(writer, _roots, writer.Write);
        writer.Write(_nodes.Length);
        foreach (var node in _nodes)
        {
            writer.Write(node.Feature);
            writer.Write(node.DefaultLeft);
            writer.Write(node.Threshold);
            writer.Write(node.Left);
            writer.Write(node.Right);
        }

        WriteArray(writer, _leafValues, writer.Write);
        WriteArray(writer, _featureImportance, writer.Write);
    }

    /// <summary>Reads what <see cref="Write"/> wrote, checking the structure so that a damaged file cannot make prediction fail or loop.</summary>
    /// <exception cref="InvalidDataException">The data is not a valid model.</exception>
    public static GbdtModel Read(BinaryReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        try
        {
            return ReadCore(reader);
        }
        catch (EndOfStreamException exception)
        {
            throw new InvalidDataException("The GBDT model data ends early.", exception);
        }
    }

    /// <summary>Builds the model from trees in round order (for multiclass: class 0..K-1 within a round).</summary>
    internal static GbdtModel Compile(ModelTask task, int featureCount, int classCount, float[] baseScores, IReadOnlyList<GrownTree> trees)
    {
        var nodes = new List<Node>();
        var leaves = new List<float>();
        var roots = new int[trees.Count];
        var importance = new double[featureCount];
        var pending = new Stack<(int Source, int Parent, bool IsLeft)>();
        for (var t = 0; t < trees.Count; t++)
        {
            var tree = trees[t];
            var leafOffset = leaves.Count;
            leaves.AddRange(tree.LeafValues);
            if (tree.Nodes.Length == 0)
            {
                roots[t] = ~leafOffset;
                continue;
            }

            // Depth first, left before right: a parent precedes its children and a left child follows its parent.
            roots[t] = nodes.Count;
            pending.Push((0, -1, false));
            while (pending.TryPop(out var item))
            {
                var index = nodes.Count;
                var source = tree.Nodes[item.Source];
                importance[source.Feature] += source.Gain;
                nodes.Add(new Node(source.Feature, source.DefaultLeft, source.Threshold, Leaf(source.Left), Leaf(source.Right)));
                if (item.Parent >= 0)
                {
                    var parent = nodes[item.Parent];
                    nodes[item.Parent] = item.IsLeft
                        ? new Node(parent.Feature, parent.DefaultLeft, parent.Threshold, index, parent.Right)
                        : new Node(parent.Feature, parent.DefaultLeft, parent.Threshold, parent.Left, index);
                }

                if (source.Right >= 0)
                {
                    pending.Push((source.Right, index, false));
                }

                if (source.Left >= 0)
                {
                    pending.Push((source.Left, index, true));
                }
            }

            int Leaf(int child) => child < 0 ? ~(leafOffset + ~child) : 0;
        }

        return new GbdtModel(task, featureCount, classCount, baseScores, roots, [.. nodes], [.. leaves], importance);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void PredictBlock(FeatureMatrix features, int block, Span<float> output, double[] scores)
    {
        var firstRow = block * BlockRows;
        var rows = Math.Min(BlockRows, features.RowCount - firstRow);
        var scoresPerRow = ScoresPerRow;
        var columns = features.ColumnCount;
        for (var r = 0; r < rows; r++)
        {
            for (var k = 0; k < scoresPerRow; k++)
            {
                scores[(r * scoresPerRow) + k] = _baseScores[k];
            }
        }

        ref var blockStart = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(features.Values), (nint)firstRow * columns);
        _forest.AddRows(ref blockStart, rows, columns, scores.AsSpan(0, rows * scoresPerRow));

        var outputCount = OutputCount;
        for (var r = 0; r < rows; r++)
        {
            var target = output.Slice((firstRow + r) * outputCount, outputCount);
            for (var k = 0; k < scoresPerRow; k++)
            {
                target[k] = (float)scores[(r * scoresPerRow) + k];
            }

            Transform(target[..scoresPerRow], target);
        }
    }

    /// <remarks>
    /// Kept apart from <see cref="PredictBatch"/>: the lambda's captured state is allocated on entry to the
    /// method that declares it, and small batches should not pay for it.
    /// </remarks>
    private unsafe void PredictBlocksInParallel(FeatureMatrix features, int blocks, Span<float> output)
    {
        // A span cannot enter a lambda; a pinned pointer can, and the batch waits for every block.
        fixed (float* pointer = output)
        {
            var address = (nint)pointer;
            var length = output.Length;
            var chunks = Math.Min(blocks, Environment.ProcessorCount * 4);
            Parallel.For(0, chunks, chunk =>
            {
                var target = new Span<float>((void*)address, length);
                var scores = ArrayPool<double>.Shared.Rent(BlockRows * ScoresPerRow);
                var first = (int)((long)blocks * chunk / chunks);
                var last = (int)((long)blocks * (chunk + 1) / chunks);
                for (var block = first; block < last; block++)
                {
                    PredictBlock(features, block, target, scores);
                }

                ArrayPool<double>.Shared.Return(scores);
            });
        }
    }

    /// <summary>Scores a row of a model with very many classes one class at a time, into the output itself.</summary>
    private void PredictManyClasses(ReadOnlySpan<float> features, Span<float> output)
    {
        Span<double> score = stackalloc double[1];
        var scoresPerRow = ScoresPerRow;
        for (var k = 0; k < scoresPerRow; k++)
        {
            score[0] = _baseScores[k];
            _forest.AddClass(features, k, ref score[0]);
            output[k] = (float)score[0];
        }

        Transform(output[..scoresPerRow], output);
    }

    /// <summary>Turns raw scores into outputs in place: sigmoid to [1-p, p], softmax, or the value itself.</summary>
    private void Transform(Span<float> scores, Span<float> output)
    {
        switch (Task)
        {
            case ModelTask.Binary:
                var p = 1 / (1 + Math.Exp(-scores[0]));
                output[0] = (float)(1 - p);
                output[1] = (float)p;
                break;
            case ModelTask.Multiclass:
                var max = float.NegativeInfinity;
                foreach (var score in scores)
                {
                    max = Math.Max(max, score);
                }

                var total = 0.0;
                for (var k = 0; k < scores.Length; k++)
                {
                    total += Math.Exp(scores[k] - (double)max);
                }

                for (var k = 0; k < scores.Length; k++)
                {
                    output[k] = (float)(Math.Exp(scores[k] - (double)max) / total);
                }

                break;
        }
    }

    private static GbdtModel ReadCore(BinaryReader reader)
    {
        var version = reader.ReadInt32();
        if (version != FormatVersion)
        {
            throw new InvalidDataException($"GBDT model format version {version} is not supported; this build reads version {FormatVersion}.");
        }

        var task = (ModelTask)reader.ReadInt32();
        if (!Enum.IsDefined(task))
        {
            throw new InvalidDataException($"Unknown model task {(int)task}.");
        }

        var featureCount = reader.ReadInt32();
        var classCount = reader.ReadInt32();
        if (featureCount < 0)
        {
            throw new InvalidDataException($"Feature count {featureCount} is negative.");
        }

        var classesValid = task switch
        {
            ModelTask.Binary => classCount == 2,
            ModelTask.Multiclass => classCount >= 2,
            _ => classCount == 1,
        };
        if (!classesValid)
        {
            throw new InvalidDataException($"Class count {classCount} does not fit task {task}.");
        }

        var scoresPerRow = task == ModelTask.Multiclass ? classCount : 1;
        var baseScores = ReadArray(reader, "base scores", reader.ReadSingle);
        if (baseScores.Length != scoresPerRow)
        {
            throw new InvalidDataException($"Expected {scoresPerRow} base scores, got {baseScores.Length}.");
        }

        var roots = ReadArray(reader, "trees", reader.ReadInt32);
        if (roots.Length % scoresPerRow != 0)
        {
            throw new InvalidDataException($"{roots.Length} trees is not a whole number of rounds of {scoresPerRow}.");
        }

        var nodeCount = ReadCount(reader, "nodes");
        var nodes = new Node[nodeCount];
        for (var i = 0; i < nodeCount; i++)
        {
            var feature = reader.ReadInt32();
            if ((uint)feature >= (uint)featureCount)
            {
                throw new InvalidDataException($"Node {i} splits on feature {feature}; the model has {featureCount} features.");
            }

            nodes[i] = new Node(feature, reader.ReadBoolean(), reader.ReadSingle(), reader.ReadInt32(), reader.ReadInt32());
        }

        var leafValues = ReadArray(reader, "leaves", reader.ReadSingle);
        var importance = ReadArray(reader, "feature importance", reader.ReadDouble);
        if (importance.Length != featureCount)
        {
            throw new InvalidDataException($"Expected {featureCount} feature importances, got {importance.Length}.");
        }

        // Every node and leaf must hang from exactly one parent or root, each child after its parent: then the
        // trees are trees (no loops, nothing shared, nothing unreachable) and scoring's layout fits exactly.
        var nodeParents = new int[nodes.Length];
        var leafParents = new int[leafValues.Length];
        for (var i = 0; i < nodes.Length; i++)
        {
            var node = nodes[i];
            if (float.IsNaN(node.Threshold))
            {
                throw new InvalidDataException($"Node {i} has a NaN threshold.");
            }

            CheckChild(node.Left, i, nodeParents, leafParents);
            CheckChild(node.Right, i, nodeParents, leafParents);
        }

        for (var t = 0; t < roots.Length; t++)
        {
            CheckChild(roots[t], -1, nodeParents, leafParents);
        }

        var orphan = Array.IndexOf(nodeParents, 0);
        if (orphan >= 0)
        {
            throw new InvalidDataException($"Node {orphan} belongs to no tree.");
        }

        orphan = Array.IndexOf(leafParents, 0);
        if (orphan >= 0)
        {
            throw new InvalidDataException($"Leaf {orphan} belongs to no tree.");
        }

        foreach (var value in leafValues)
        {
            if (!float.IsFinite(value))
            {
                throw new InvalidDataException("A leaf value is not a finite number.");
            }
        }

        return new GbdtModel(task, featureCount, classCount, baseScores, roots, nodes, leafValues, importance);
    }

    private static void CheckChild(int child, int parent, int[] nodeParents, int[] leafParents)
    {
        var owner = parent < 0 ? "A tree root" : $"Node {parent}";
        var inRange = child >= 0 ? child > parent && child < nodeParents.Length : ~child < leafParents.Length;
        if (!inRange)
        {
            throw new InvalidDataException($"{owner} points to {Describe(child)}, which is out of range.");
        }

        ref var parents = ref child >= 0 ? ref nodeParents[child] : ref leafParents[~child];
        if (++parents > 1)
        {
            throw new InvalidDataException($"{owner} points to {Describe(child)}, which already has a parent.");
        }

        static string Describe(int child) => child >= 0 ? $"node {child}" : $"leaf {~child}";
    }

    private static void WriteArray<T>(BinaryWriter writer, T[] values, Action<T> write)
    {
        writer.Write(values.Length);
        foreach (var value in values)
        {
            write(value);
        }
    }

    private static T[] ReadArray<T>(BinaryReader reader, string what, Func<T> read)
    {
        var values = new T[ReadCount(reader, what)];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = read();
        }

        return values;
    }

    private static int ReadCount(BinaryReader reader, string what)
    {
        var count = reader.ReadInt32();
        // Rejects absurd counts before allocating for them.
        if (count < 0 || count > reader.BaseStream.Length - reader.BaseStream.Position)
        {
            throw new InvalidDataException($"Count of {what} ({count}) is out of range.");
        }

        return count;
    }

    /// <summary>
    /// A split as stored in model files: 16 bytes. A child c &lt; 0 is leaf ~c. The default direction for
    /// missing values rides in the top bit of the feature index. Scoring uses <see cref="CompiledForest"/>'s layout.
    /// </summary>
    internal readonly struct Node
    {
        private const int DefaultLeftBit = int.MinValue;
        private readonly int _featureAndDirection;
        private readonly float _threshold;
        private readonly int _left;
        private readonly int _right;

        public Node(int feature, bool defaultLeft, float threshold, int left, int right)
        {
            _featureAndDirection = feature | (defaultLeft ? DefaultLeftBit : 0);
            _threshold = threshold;
            _left = left;
            _right = right;
        }

        public int Feature => _featureAndDirection & int.MaxValue;

        public bool DefaultLeft => _featureAndDirection < 0;

        public float Threshold => _threshold;

        public int Left => _left;

        public int Right => _right;
    }
}

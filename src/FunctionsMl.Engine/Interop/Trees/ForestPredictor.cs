using System.Buffers;
using FunctionsMl.Engine.Training;

namespace FunctionsMl.Engine.Interop.Trees;

/// <summary>
/// A native tree model (XGBoost, LightGBM) served as an <see cref="IPredictor"/>: margins = base + Σ tree leaves,
/// then the objective's transform. Binary models write [1 − p, p]. Immutable and thread-safe.
/// </summary>
internal abstract class ForestPredictor : IPredictor
{
    private const int BlockRows = 64;
    private const int ParallelBatchRows = 8 * 1024;
    private const int MaxStackMargins = 256;

    private readonly double[] _baseMargins;

    protected ForestPredictor(ModelTask task, DecisionForest forest, double[] baseMargins, ForestOutput output, double scale, double divisor)
    {
        if (baseMargins.Length != forest.TargetCount)
        {
            throw new ArgumentException("One base margin per target is needed.", nameof(baseMargins));
        }

        Task = task;
        Forest = forest;
        _baseMargins = baseMargins;
        Output = output;
        Scale = scale;
        Divisor = divisor;
        OutputCount = task == ModelTask.Binary ? 2 : forest.TargetCount;
    }

    public abstract string Kind { get; }

    public ModelTask Task { get; }

    public int FeatureCount => Forest.FeatureCount;

    public int OutputCount { get; }

    internal DecisionForest Forest { get; }

    internal ForestOutput Output { get; }

    /// <summary>Multiplies the margin before a sigmoid (LightGBM's <c>sigmoid:</c> parameter).</summary>
    internal double Scale { get; }

    /// <summary>Divides the tree sum (LightGBM random forests average their trees).</summary>
    internal double Divisor { get; }

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

        var targets = Forest.TargetCount;
        Span<double> margins = targets <= MaxStackMargins ? stackalloc double[targets] : new double[targets];
        margins.Clear();
        Forest.AddScores(features, margins);
        Finish(margins, output);
    }

    public void PredictBatch(FeatureMatrix features, Span<float> output)
    {
        ArgumentNullException.ThrowIfNull(features);
        if (features.ColumnCount != FeatureCount)
        {
            throw new ArgumentException($"Expected {FeatureCount} features, got {features.ColumnCount}.", nameof(features));
        }

        if (output.Length < (long)features.RowCount * OutputCount)
        {
            throw new ArgumentException($"Expected room for {features.RowCount * (long)OutputCount} outputs, got {output.Length}.", nameof(output));
        }

        var blocks = (features.RowCount + BlockRows - 1) / BlockRows;
        if (features.RowCount < ParallelBatchRows || Environment.ProcessorCount == 1)
        {
            var scores = ArrayPool<double>.Shared.Rent(BlockRows * Forest.TargetCount);
            for (var block = 0; block < blocks; block++)
            {
                PredictBlock(features, block, output, scores);
            }

            ArrayPool<double>.Shared.Return(scores);
            return;
        }

        // A span cannot enter a lambda; a pinned pointer can, and the batch waits for every block.
        unsafe
        {
            fixed (float* pointer = output)
            {
                var address = (nint)pointer;
                var length = output.Length;
                Parallel.For(
                    0,
                    blocks,
                    () => ArrayPool<double>.Shared.Rent(BlockRows * Forest.TargetCount),
                    (block, _, scores) =>
                    {
                        PredictBlock(features, block, new Span<float>((void*)address, length), scores);
                        return scores;
                    },
                    scores => ArrayPool<double>.Shared.Return(scores));
            }
        }
    }

    public abstract void Write(BinaryWriter writer);

    private void PredictBlock(FeatureMatrix features, int block, Span<float> output, double[] scores)
    {
        var first = block * BlockRows;
        var rows = Math.Min(BlockRows, features.RowCount - first);
        var targets = Forest.TargetCount;
        var margins = scores.AsSpan(0, rows * targets);
        margins.Clear();
        Forest.AddScoresBlock<float>(features.Values.AsSpan(first * FeatureCount, rows * FeatureCount), rows, margins);
        for (var r = 0; r < rows; r++)
        {
            Finish(margins.Slice(r * targets, targets), output.Slice((first + r) * OutputCount, OutputCount));
        }
    }

    /// <summary>Base margins, averaging and the objective's transform, from summed leaves to outputs.</summary>
    private void Finish(Span<double> margins, Span<float> output)
    {
        for (var i = 0; i < margins.Length; i++)
        {
            margins[i] = (margins[i] / Divisor) + _baseMargins[i];
        }

        switch (Output)
        {
            case ForestOutput.Sigmoid:
                for (var i = 0; i < margins.Length; i++)
                {
                    margins[i] = ScoreMath.Sigmoid(Scale * margins[i]);
                }

                break;
            case ForestOutput.Softmax:
                ScoreMath.Softmax(margins);
                break;
            case ForestOutput.Exp:
                for (var i = 0; i < margins.Length; i++)
                {
                    margins[i] = Math.Exp(margins[i]);
                }

                break;
            case ForestOutput.Hinge:
                for (var i = 0; i < margins.Length; i++)
                {
                    margins[i] = margins[i] > 0 ? 1 : 0;
                }

                break;
            case ForestOutput.SignedSquare:
                for (var i = 0; i < margins.Length; i++)
                {
                    margins[i] = Math.CopySign(margins[i] * margins[i], margins[i]);
                }

                break;
        }

        if (Task == ModelTask.Binary && margins.Length == 1)
        {
            // 1 - p from the float p, as XGBoost's and LightGBM's predict_proba compute it.
            output[1] = (float)margins[0];
            output[0] = 1f - output[1];
            return;
        }

        for (var i = 0; i < margins.Length; i++)
        {
            output[i] = (float)margins[i];
        }
    }
}

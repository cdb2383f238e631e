using System.Runtime.CompilerServices;
using FunctionsMl.Engine.Training;

namespace FunctionsMl.Engine.Trainers.Linear;

/// <summary>
/// A fitted linear model: one weight vector and intercept per output (one for binary and regression, one per
/// class for multiclass). Binary outputs [1 − p, p] with p = σ(w·x + b); multiclass outputs the softmax of the
/// class margins; regression outputs w·x + b. A NaN feature counts as 0, which for the standardized features
/// linear models are given is the training mean: the featurizer imputes, so NaN only arrives by mistake.
/// </summary>
public sealed class LinearModel : IPredictor
{
    /// <summary>Classes up to this many keep their margins on the stack while scoring.</summary>
    private const int MaxStackClasses = 256;

    private const int FormatVersion = 1;

    /// <summary>"LINR", little-endian: tells a linear model's parameters from anything else.</summary>
    private const int FormatMagic = 0x524E494C;

    private readonly double[] _weights;
    private readonly double[] _intercepts;

    /// <param name="weights">Row-major, one block of <paramref name="featureCount"/> per intercept.</param>
    /// <param name="intercepts">One per output vector: 1 for binary and regression, the class count for multiclass.
    /// A multiclass intercept may be −∞ for a class absent from the training data, which is then never predicted.</param>
    public LinearModel(ModelTask task, int featureCount, ReadOnlySpan<double> weights, ReadOnlySpan<double> intercepts)
    {
        if (!Enum.IsDefined(task))
        {
            throw new ArgumentOutOfRangeException(nameof(task), task, "Unknown model task.");
        }

        ArgumentOutOfRangeException.ThrowIfNegative(featureCount);
        var vectors = intercepts.Length;
        if (task == ModelTask.Multiclass ? vectors < 2 : vectors != 1)
        {
            throw new ArgumentException($"A {task} linear model needs {(task == ModelTask.Multiclass ? "at least 2 intercepts" : "exactly 1 intercept")}, got {vectors}.", nameof(intercepts));
        }

        if (weights.Length != (long)vectors * featureCount)
        {
            throw new ArgumentException($"Expected {vectors} x {featureCount} weights, got {weights.Length}.", nameof(weights));
        }

        for (var i = 0; i < weights.Length; i++)
        {
            if (!double.IsFinite(weights[i]))
            {
                throw new ArgumentException($"Weight {i} is {weights[i]}; weights must be finite.", nameof(weights));
            }
        }

        var finiteIntercepts = 0;
        for (var k = 0; k < vectors; k++)
        {
            var intercept = intercepts[k];
            var allowed = double.IsFinite(intercept) || (task == ModelTask.Multiclass && double.IsNegativeInfinity(intercept));
            if (!allowed)
            {
                throw new ArgumentException($"Intercept {k} is {intercept}; intercepts must be finite (multiclass: or -infinity for a class never predicted).", nameof(intercepts));
            }

            finiteIntercepts += double.IsFinite(intercept) ? 1 : 0;
        }

        if (finiteIntercepts == 0)
        {
            throw new ArgumentException("At least one intercept must be finite.", nameof(intercepts));
        }

        Task = task;
        FeatureCount = featureCount;
        OutputCount = task switch
        {
            ModelTask.Binary => 2,
            ModelTask.Multiclass => vectors,
            _ => 1,
        };
        _weights = weights.ToArray();
        _intercepts = intercepts.ToArray();
    }

    public string Kind => "linear";

    public ModelTask Task { get; }

    public int FeatureCount { get; }

    public int OutputCount { get; }

    /// <summary>Row-major weights: <see cref="Intercepts"/>.Length blocks of <see cref="FeatureCount"/>.
    /// Binary: the weights of class 1's log-odds; multiclass: one block per class.</summary>
    public ReadOnlySpan<double> Weights => _weights;

    /// <summary>One per weight block.</summary>
    public ReadOnlySpan<double> Intercepts => _intercepts;

    public void Predict(ReadOnlySpan<float> features, Span<float> output)
    {
        if (features.Length != FeatureCount)
        {
            ThrowFeatureCount(features.Length);
        }

        if (output.Length < OutputCount)
        {
            ThrowOutputLength(output.Length);
        }

        switch (Task)
        {
            case ModelTask.Regression:
                output[0] = (float)Margin(features, 0);
                break;
            case ModelTask.Binary:
                WriteBinary(Margin(features, 0), output);
                break;
            default:
                if (OutputCount <= MaxStackClasses)
                {
                    WriteSoftmax(features, stackalloc double[OutputCount], output);
                }
                else
                {
                    WriteSoftmaxInPlace(features, output);
                }

                break;
        }
    }

    public void PredictBatch(FeatureMatrix features, Span<float> output)
    {
        ArgumentNullException.ThrowIfNull(features);
        if (features.ColumnCount != FeatureCount)
        {
            ThrowFeatureCount(features.ColumnCount);
        }

        if (output.Length < (long)features.RowCount * OutputCount)
        {
            throw new ArgumentException($"Output holds {output.Length} values; {features.RowCount} rows need {(long)features.RowCount * OutputCount}.", nameof(output));
        }

        for (var row = 0; row < features.RowCount; row++)
        {
            Predict(features.Row(row), output.Slice(row * OutputCount, OutputCount));
        }
    }

    public void Write(BinaryWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.Write(FormatMagic);
        writer.Write(FormatVersion);
        writer.Write((int)Task);
        writer.Write(FeatureCount);
        writer.Write(_intercepts.Length);
        foreach (var weight in _weights)
        {
            writer.Write(weight);
        }

        foreach (var intercept in _intercepts)
        {
            writer.Write(intercept);
        }
    }

    /// <summary>Reads what <see cref="Write"/> wrote.</summary>
    /// <exception cref="InvalidDataException">The data is not a linear model, is of an unknown version, is truncated or inconsistent.</exception>
    public static LinearModel Read(BinaryReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        try
        {
            if (reader.ReadInt32() != FormatMagic)
            {
                throw new InvalidDataException("Not a linear model: the format tag is missing.");
            }

            var version = reader.ReadInt32();
            if (version != FormatVersion)
            {
                throw new InvalidDataException($"Linear model format version {version} is not supported (expected {FormatVersion}).");
            }

            var task = (ModelTask)reader.ReadInt32();
            if (!Enum.IsDefined(task))
            {
                throw new InvalidDataException($"Linear model has unknown task {(int)task}.");
            }

            var featureCount = reader.ReadInt32();
            var vectors = reader.ReadInt32();
            if (featureCount < 0 || vectors < 1)
            {
                throw new InvalidDataException($"Linear model has {featureCount} features and {vectors} intercepts.");
            }

            var weightCount = (long)featureCount * vectors;
            var stream = reader.BaseStream;
            if (weightCount > Array.MaxLength || (stream.CanSeek && (weightCount + vectors) * sizeof(double) > stream.Length - stream.Position))
            {
                throw new InvalidDataException($"Linear model declares {weightCount} weights, more than the data holds.");
            }

            var weights = ReadDoubles(reader, (int)weightCount);
            var intercepts = ReadDoubles(reader, vectors);
            return new LinearModel(task, featureCount, weights, intercepts);
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException("Linear model data ends early.", e);
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"Linear model data is inconsistent: {e.Message}", e);
        }
    }

    private static double[] ReadDoubles(BinaryReader reader, int count)
    {
        var values = new double[count];
        for (var i = 0; i < count; i++)
        {
            values[i] = reader.ReadDouble();
        }

        return values;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private double Margin(ReadOnlySpan<float> features, int vector) =>
        _intercepts[vector] + VectorMath.DotIgnoringNaN(features, _weights.AsSpan(vector * FeatureCount, FeatureCount));

    private static void WriteBinary(double margin, Span<float> output)
    {
        // Both probabilities from e^-|z|, so the smaller one keeps its precision instead of being 1 − (almost 1).
        var e = Math.Exp(-Math.Abs(margin));
        var larger = 1 / (1 + e);
        var smaller = e / (1 + e);
        output[1] = (float)(margin >= 0 ? larger : smaller);
        output[0] = (float)(margin >= 0 ? smaller : larger);
    }

    private void WriteSoftmax(ReadOnlySpan<float> features, Span<double> margins, Span<float> output)
    {
        var max = double.NegativeInfinity;
        for (var k = 0; k < margins.Length; k++)
        {
            margins[k] = Margin(features, k);
            max = Math.Max(max, margins[k]);
        }

        var sum = 0.0;
        for (var k = 0; k < margins.Length; k++)
        {
            margins[k] = Math.Exp(margins[k] - max);
            sum += margins[k];
        }

        for (var k = 0; k < margins.Length; k++)
        {
            output[k] = (float)(margins[k] / sum);
        }
    }

    /// <summary>For very many classes: the margins live in the output as floats, which costs a little precision.</summary>
    private void WriteSoftmaxInPlace(ReadOnlySpan<float> features, Span<float> output)
    {
        var max = double.NegativeInfinity;
        for (var k = 0; k < OutputCount; k++)
        {
            var margin = Margin(features, k);
            output[k] = (float)margin;
            max = Math.Max(max, margin);
        }

        var sum = 0.0;
        for (var k = 0; k < OutputCount; k++)
        {
            var e = Math.Exp(output[k] - max);
            output[k] = (float)e;
            sum += e;
        }

        for (var k = 0; k < OutputCount; k++)
        {
            output[k] = (float)(output[k] / sum);
        }
    }

    private void ThrowFeatureCount(int actual) =>
        throw new ArgumentException($"The linear model expects {FeatureCount} features, got {actual}.", "features");

    private void ThrowOutputLength(int actual) =>
        throw new ArgumentException($"The linear model writes {OutputCount} values, the output holds {actual}.", "output");
}

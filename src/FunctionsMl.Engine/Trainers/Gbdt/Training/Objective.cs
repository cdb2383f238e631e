using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace FunctionsMl.Engine.Trainers.Gbdt.Training;

/// <summary>
/// First and second derivative of the loss of one row, as the histograms sum them. The row's count (1)
/// rides along so that one vector add of four widened lanes updates a whole <see cref="HistogramBin"/>.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
internal struct GradientPair(float gradient, float hessian)
{
    public float Gradient = gradient;
    public float Hessian = hessian;
    public float Count = 1;
    private readonly float _padding;
}

/// <summary>
/// The loss boosted against. Scores are raw (log-odds, per-class logits or values), row-major with
/// <see cref="ScoreCount"/> per row; one tree per score column is grown each round.
/// </summary>
internal abstract class Objective
{
    /// <summary>Stops a hessian reaching 0 where the model is already certain, as XGBoost does.</summary>
    private protected const float MinHessian = 1e-16f;

    public abstract int ScoreCount { get; }

    /// <summary>Name of the loss in progress messages.</summary>
    public abstract string LossName { get; }

    public static Objective For(ModelTask task, int classCount) => task switch
    {
        ModelTask.Binary => new LogisticObjective(),
        ModelTask.Multiclass => new SoftmaxObjective(classCount),
        ModelTask.Regression => new SquaredErrorObjective(),
        _ => throw new ArgumentOutOfRangeException(nameof(task), task, "Unknown task."),
    };

    /// <summary>The constant raw score that best fits the labels: the start of boosting.</summary>
    public abstract double[] BaseScores(ReadOnlySpan<float> labels);

    /// <summary>Fills <paramref name="gradients"/>[k][row] for rows [start, end).</summary>
    public abstract void Gradients(ReadOnlySpan<double> scores, ReadOnlySpan<float> labels, GradientPair[][] gradients, int start, int end);

    /// <summary>Mean loss over all rows.</summary>
    public abstract double Loss(ReadOnlySpan<double> scores, ReadOnlySpan<float> labels);
}

internal sealed class LogisticObjective : Objective
{
    /// <summary>Keeps the prior's log-odds finite when a training set has one class only.</summary>
    private const double PriorClamp = 1e-15;

    public override int ScoreCount => 1;

    public override string LossName => "logloss";

    public override double[] BaseScores(ReadOnlySpan<float> labels)
    {
        var positives = 0.0;
        foreach (var label in labels)
        {
            positives += label;
        }

        var prior = Math.Clamp(positives / labels.Length, PriorClamp, 1 - PriorClamp);
        return [Math.Log(prior / (1 - prior))];
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void Gradients(ReadOnlySpan<double> scores, ReadOnlySpan<float> labels, GradientPair[][] gradients, int start, int end)
    {
        var output = gradients[0];
        for (var row = start; row < end; row++)
        {
            var probability = 1 / (1 + Math.Exp(-scores[row]));
            output[row] = new GradientPair((float)(probability - labels[row]), Math.Max((float)(probability * (1 - probability)), MinHessian));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override double Loss(ReadOnlySpan<double> scores, ReadOnlySpan<float> labels)
    {
        var sum = 0.0;
        for (var row = 0; row < labels.Length; row++)
        {
            // log(1 + e^s) - y s, written to stay finite for large |s|.
            var score = scores[row];
            var softplus = score > 0 ? score + Math.Log(1 + Math.Exp(-score)) : Math.Log(1 + Math.Exp(score));
            sum += softplus - (labels[row] * score);
        }

        return sum / labels.Length;
    }
}

internal sealed class SoftmaxObjective(int classCount) : Objective
{
    private const double PriorClamp = 1e-15;

    /// <summary>
    /// Scales the diagonal hessian p(1-p) by K/(K-1), Friedman's correction for the redundancy of K
    /// softmax scores (LightGBM does the same); without it the Newton steps overshoot.
    /// </summary>
    private readonly double _hessianFactor = classCount / (classCount - 1.0);

    public override int ScoreCount => classCount;

    public override string LossName => "multi-logloss";

    public override double[] BaseScores(ReadOnlySpan<float> labels)
    {
        var counts = new double[classCount];
        foreach (var label in labels)
        {
            counts[(int)label]++;
        }

        var scores = new double[classCount];
        for (var k = 0; k < classCount; k++)
        {
            scores[k] = Math.Log(Math.Max(counts[k] / labels.Length, PriorClamp));
        }

        return scores;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void Gradients(ReadOnlySpan<double> scores, ReadOnlySpan<float> labels, GradientPair[][] gradients, int start, int end)
    {
        Span<double> probabilities = classCount <= 256 ? stackalloc double[classCount] : new double[classCount];
        for (var row = start; row < end; row++)
        {
            Softmax(scores.Slice(row * classCount, classCount), probabilities);
            var label = (int)labels[row];
            for (var k = 0; k < classCount; k++)
            {
                var p = probabilities[k];
                var target = k == label ? 1.0 : 0.0;
                gradients[k][row] = new GradientPair((float)(p - target), Math.Max((float)(_hessianFactor * p * (1 - p)), MinHessian));
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override double Loss(ReadOnlySpan<double> scores, ReadOnlySpan<float> labels)
    {
        var sum = 0.0;
        for (var row = 0; row < labels.Length; row++)
        {
            var rowScores = scores.Slice(row * classCount, classCount);
            var max = double.NegativeInfinity;
            foreach (var score in rowScores)
            {
                max = Math.Max(max, score);
            }

            var total = 0.0;
            foreach (var score in rowScores)
            {
                total += Math.Exp(score - max);
            }

            sum += max + Math.Log(total) - rowScores[(int)labels[row]];
        }

        return sum / labels.Length;
    }

    internal static void Softmax(ReadOnlySpan<double> scores, Span<double> probabilities)
    {
        var max = double.NegativeInfinity;
        foreach (var score in scores)
        {
            max = Math.Max(max, score);
        }

        var total = 0.0;
        for (var k = 0; k < scores.Length; k++)
        {
            probabilities[k] = Math.Exp(scores[k] - max);
            total += probabilities[k];
        }

        for (var k = 0; k < scores.Length; k++)
        {
            probabilities[k] /= total;
        }
    }
}

internal sealed class SquaredErrorObjective : Objective
{
    public override int ScoreCount => 1;

    public override string LossName => "mse";

    public override double[] BaseScores(ReadOnlySpan<float> labels)
    {
        var sum = 0.0;
        foreach (var label in labels)
        {
            sum += label;
        }

        return [sum / labels.Length];
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void Gradients(ReadOnlySpan<double> scores, ReadOnlySpan<float> labels, GradientPair[][] gradients, int start, int end)
    {
        var output = gradients[0];
        for (var row = start; row < end; row++)
        {
            output[row] = new GradientPair((float)(scores[row] - labels[row]), 1f);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override double Loss(ReadOnlySpan<double> scores, ReadOnlySpan<float> labels)
    {
        var sum = 0.0;
        for (var row = 0; row < labels.Length; row++)
        {
            var error = scores[row] - labels[row];
            sum += error * error;
        }

        return sum / labels.Length;
    }
}

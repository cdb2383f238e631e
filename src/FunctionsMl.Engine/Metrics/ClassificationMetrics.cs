namespace FunctionsMl.Engine.Metrics;

/// <summary>Quality of class probabilities against true classes.</summary>
public sealed record ClassificationMetrics
{
    /// <summary>Probabilities are clamped to this before taking logs, as scikit-learn does, so one
    /// confident mistake gives a large but finite log-loss.</summary>
    private const double LogLossEpsilon = 1e-15;

    public required double Accuracy { get; init; }

    /// <summary>Unweighted mean of the per-class F1 scores; a class never predicted nor present scores 0.</summary>
    public required double MacroF1 { get; init; }

    public required double LogLoss { get; init; }

    /// <summary>Area under the ROC curve of the positive class; only for two classes.</summary>
    public required double? Auc { get; init; }

    /// <summary>ConfusionMatrix[actual][predicted] counts.</summary>
    public required int[][] ConfusionMatrix { get; init; }

    /// <param name="labels">True class index per row.</param>
    /// <param name="probabilities">Row-major, <paramref name="classCount"/> values per row.</param>
    public static ClassificationMetrics Compute(ReadOnlySpan<float> labels, ReadOnlySpan<float> probabilities, int classCount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(classCount, 2);
        if (labels.IsEmpty)
        {
            throw new ArgumentException("Metrics need at least one row.", nameof(labels));
        }

        if (probabilities.Length != labels.Length * classCount)
        {
            throw new ArgumentException($"Expected {labels.Length * classCount} probabilities for {labels.Length} rows of {classCount} classes, got {probabilities.Length}.", nameof(probabilities));
        }

        var confusion = new int[classCount][];
        for (var c = 0; c < classCount; c++)
        {
            confusion[c] = new int[classCount];
        }

        var correct = 0;
        var logLoss = 0.0;
        for (var i = 0; i < labels.Length; i++)
        {
            var actual = ClassIndex(labels[i], classCount);
            var row = probabilities.Slice(i * classCount, classCount);
            var predicted = ArgMax(row);
            confusion[actual][predicted]++;
            if (actual == predicted)
            {
                correct++;
            }

            logLoss -= Math.Log(Math.Clamp(row[actual], LogLossEpsilon, 1 - LogLossEpsilon));
        }

        return new ClassificationMetrics
        {
            Accuracy = (double)correct / labels.Length,
            MacroF1 = MacroF1Of(confusion),
            LogLoss = logLoss / labels.Length,
            Auc = classCount == 2 ? BinaryAuc(labels, probabilities) : null,
            ConfusionMatrix = confusion,
        };
    }

    /// <summary>The first class with the highest probability, so ties resolve the same way everywhere.</summary>
    public static int ArgMax(ReadOnlySpan<float> values)
    {
        var best = 0;
        for (var c = 1; c < values.Length; c++)
        {
            if (values[c] > values[best])
            {
                best = c;
            }
        }

        return best;
    }

    private static int ClassIndex(float label, int classCount)
    {
        var index = (int)label;
        if (index != label || index < 0 || index >= classCount)
        {
            throw new ArgumentException($"Label {label} is not a class index in [0, {classCount}).", nameof(label));
        }

        return index;
    }

    private static double MacroF1Of(int[][] confusion)
    {
        var classCount = confusion.Length;
        var sum = 0.0;
        for (var c = 0; c < classCount; c++)
        {
            var truePositives = confusion[c][c];
            var actual = 0;
            var predicted = 0;
            for (var k = 0; k < classCount; k++)
            {
                actual += confusion[c][k];
                predicted += confusion[k][c];
            }

            var denominator = actual + predicted;
            sum += denominator == 0 ? 0 : 2.0 * truePositives / denominator;
        }

        return sum / classCount;
    }

    /// <summary>
    /// AUC as the Mann-Whitney statistic: the probability that a random positive outscores a random
    /// negative, ties counting half. Sorting once makes it O(n log n) and exact with tied scores.
    /// </summary>
    private static double BinaryAuc(ReadOnlySpan<float> labels, ReadOnlySpan<float> probabilities)
    {
        var n = labels.Length;
        var scores = new float[n];
        var positive = new bool[n];
        long positives = 0;
        for (var i = 0; i < n; i++)
        {
            scores[i] = probabilities[(i * 2) + 1];
            positive[i] = labels[i] == 1f;
            positives += positive[i] ? 1 : 0;
        }

        var negatives = n - positives;
        if (positives == 0 || negatives == 0)
        {
            return double.NaN;
        }

        Array.Sort(scores, positive);
        double positiveRankSum = 0;
        var start = 0;
        while (start < n)
        {
            var end = start;
            while (end + 1 < n && scores[end + 1] == scores[start])
            {
                end++;
            }

            // Tied scores share the mean of their 1-based ranks.
            var meanRank = ((start + 1) + (end + 1)) / 2.0;
            for (var i = start; i <= end; i++)
            {
                if (positive[i])
                {
                    positiveRankSum += meanRank;
                }
            }

            start = end + 1;
        }

        return (positiveRankSum - (positives * (positives + 1) / 2.0)) / ((double)positives * negatives);
    }
}

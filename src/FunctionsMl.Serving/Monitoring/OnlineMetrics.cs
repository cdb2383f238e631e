using FunctionsMl.Engine.Models;

namespace FunctionsMl.Serving.Monitoring;

/// <summary>
/// How a version did on real traffic: its logged predictions scored against the labels fed back for them.
/// Classifiers have accuracy and log loss; regressors MAE and RMSE; the others are null.
/// </summary>
/// <param name="Count">Feedback rows the metrics are computed over.</param>
public sealed record OnlineMetrics(string Model, string Version, long Count, double? Accuracy, double? LogLoss, double? Mae, double? Rmse)
{
    /// <summary>The value of a metric by its <see cref="MetricNames"/> name; null when it is not computed online (auc, macroF1, r2) or has no data.</summary>
    public double? Get(string metric) => metric switch
    {
        MetricNames.Accuracy => Accuracy,
        MetricNames.LogLoss => LogLoss,
        MetricNames.Mae => Mae,
        MetricNames.Rmse => Rmse,
        _ => null,
    };
}

/// <summary>Sums that give <see cref="OnlineMetrics"/>; one per version, fed by feedback (rare next to predictions, so a lock is fine).</summary>
public sealed class OnlineAccumulator
{
    /// <summary>Probabilities are clipped to this before the log, as the engine's log loss does, so one confident miss cannot make it infinite.</summary>
    public const double MinProbability = 1e-15;

    private readonly Lock _gate = new();
    private long _classified;
    private long _correct;
    private double _logLossSum;
    private long _logLossRows;
    private long _valued;
    private double _absoluteSum;
    private double _squaredSum;

    /// <summary>Adds a classifier's row.</summary>
    /// <param name="probabilityOfTrueClass">What the model gave the true label; null when unknown (not logged).</param>
    public void AddClass(bool correct, double? probabilityOfTrueClass)
    {
        lock (_gate)
        {
            _classified++;
            if (correct)
            {
                _correct++;
            }

            if (probabilityOfTrueClass is { } p && !double.IsNaN(p))
            {
                _logLossSum += -Math.Log(Math.Clamp(p, MinProbability, 1));
                _logLossRows++;
            }
        }
    }

    /// <summary>Adds a regressor's row with error <c>predicted − actual</c>.</summary>
    public void AddValue(double error)
    {
        lock (_gate)
        {
            _valued++;
            _absoluteSum += Math.Abs(error);
            _squaredSum += error * error;
        }
    }

    public OnlineMetrics Snapshot(string model, string version)
    {
        lock (_gate)
        {
            return new OnlineMetrics(
                model,
                version,
                _classified + _valued,
                _classified == 0 ? null : (double)_correct / _classified,
                _logLossRows == 0 ? null : _logLossSum / _logLossRows,
                _valued == 0 ? null : _absoluteSum / _valued,
                _valued == 0 ? null : Math.Sqrt(_squaredSum / _valued));
        }
    }
}

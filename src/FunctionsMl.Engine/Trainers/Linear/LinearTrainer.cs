using System.Globalization;
using FunctionsMl.Engine.Metrics;
using FunctionsMl.Engine.Training;

namespace FunctionsMl.Engine.Trainers.Linear;

/// <summary>
/// Fits L2-regularised linear models: logistic regression (binary), multinomial softmax regression
/// (multiclass) and ridge regression. Classification uses L-BFGS; ridge is solved exactly by Cholesky up to
/// <see cref="RidgeSolver.MaxExactFeatures"/> features and by L-BFGS beyond, or when the system is singular.
/// The validation set, when given, is only scored for the progress report.
/// </summary>
public sealed class LinearTrainer(LinearOptions options) : ITrainer
{
    private const int ProgressInterval = 10;

    private readonly LinearOptions _options = Validated(options);

    public string Kind => "linear";

    public bool WantsStandardizedFeatures => true;

    public IPredictor Fit(LabeledData train, LabeledData? validation, IProgress<string>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(train);
        cancellationToken.ThrowIfCancellationRequested();
        CheckValidationMatches(train, validation);
        var set = LinearTrainingSet.From(train);
        Report(progress, Invariant($"linear: {train.Task} on {set.RowCount} rows x {set.FeatureCount} features, L2 {_options.L2}"));
        var model = train.Task switch
        {
            ModelTask.Binary => FitBinary(set, progress, cancellationToken),
            ModelTask.Multiclass => FitMulticlass(set, train.ClassCount, progress, cancellationToken),
            ModelTask.Regression => FitRegression(set, progress, cancellationToken),
            _ => throw new ArgumentException($"Unknown task {train.Task}.", nameof(train)),
        };

        if (validation is not null && progress is not null)
        {
            progress.Report(DescribeValidation(model, validation));
        }

        return model;
    }

    private LinearModel FitBinary(LinearTrainingSet set, IProgress<string>? progress, CancellationToken cancellationToken)
    {
        var positive = new bool[set.RowCount];
        for (var i = 0; i < positive.Length; i++)
        {
            positive[i] = set.Classes[i] == 1;
        }

        var d = set.FeatureCount;
        var objective = new LogisticObjective(set.Features, set.RowCount, d, positive, _options.L2, _options.EffectiveThreads);
        var x = Minimize(objective, progress, cancellationToken);
        return new LinearModel(ModelTask.Binary, d, x.AsSpan(0, d), x.AsSpan(d, 1));
    }

    private LinearModel FitMulticlass(LinearTrainingSet set, int classCount, IProgress<string>? progress, CancellationToken cancellationToken)
    {
        var d = set.FeatureCount;
        var present = set.PresentClasses;
        var objective = new SoftmaxObjective(set.Features, set.RowCount, d, set.Classes, present.Length, _options.L2, _options.EffectiveThreads);
        var x = Minimize(objective, progress, cancellationToken);

        // A class with no training rows has its likelihood maximised at an intercept of −∞: it is never predicted.
        var weights = new double[classCount * d];
        var intercepts = new double[classCount];
        intercepts.AsSpan().Fill(double.NegativeInfinity);
        for (var k = 0; k < present.Length; k++)
        {
            x.AsSpan(k * d, d).CopyTo(weights.AsSpan(present[k] * d, d));
            intercepts[present[k]] = x[(present.Length * d) + k];
        }

        return new LinearModel(ModelTask.Multiclass, d, weights, intercepts);
    }

    private LinearModel FitRegression(LinearTrainingSet set, IProgress<string>? progress, CancellationToken cancellationToken)
    {
        var d = set.FeatureCount;
        if (d <= RidgeSolver.MaxExactFeatures)
        {
            if (RidgeSolver.TrySolve(set.Features, set.RowCount, d, set.Targets, _options.L2, _options.EffectiveThreads, out var weights, out var intercept))
            {
                Report(progress, "linear: ridge solved exactly (Cholesky)");
                return new LinearModel(ModelTask.Regression, d, weights, [intercept]);
            }

            Report(progress, "linear: ridge system is singular (collinear features without penalty); iterating instead");
        }

        cancellationToken.ThrowIfCancellationRequested();
        var objective = new SquaredObjective(set.Features, set.RowCount, d, set.Targets, _options.L2, _options.EffectiveThreads);
        var x = Minimize(objective, progress, cancellationToken);
        return new LinearModel(ModelTask.Regression, d, x.AsSpan(0, d), x.AsSpan(d, 1));
    }

    private double[] Minimize(IObjective objective, IProgress<string>? progress, CancellationToken cancellationToken)
    {
        var minimizer = new LbfgsMinimizer(_options.HistorySize, _options.MaxIterations, _options.Tolerance);
        var x = new double[objective.Dimension];
        Action<int, double, double>? onIteration = progress is null
            ? null
            : (iteration, value, gradientNorm) =>
            {
                if (iteration % ProgressInterval == 0)
                {
                    progress.Report(Invariant($"linear: iteration {iteration}, objective {value:G8}, gradient norm {gradientNorm:G3}"));
                }
            };
        var result = minimizer.Minimize(objective, x, onIteration, cancellationToken);
        var outcome = result.Stop switch
        {
            LbfgsStop.Converged => "converged",
            LbfgsStop.MaxIterations => "reached maxIterations",
            _ => "stopped: no further decrease possible",
        };
        var relative = result.InitialGradientNorm == 0 ? 0 : result.GradientNorm / result.InitialGradientNorm;
        Report(progress, Invariant($"linear: {outcome} after {result.Iterations} iterations ({result.Evaluations} evaluations), objective {result.Value:G8}, relative gradient {relative:G3}"));
        return x;
    }

    private static void CheckValidationMatches(LabeledData train, LabeledData? validation)
    {
        if (validation is null)
        {
            return;
        }

        if (validation.Task != train.Task || validation.ClassCount != train.ClassCount || validation.Features.ColumnCount != train.Features.ColumnCount)
        {
            throw new ArgumentException(
                $"Validation rows ({validation.Task}, {validation.ClassCount} classes, {validation.Features.ColumnCount} features) do not match training rows ({train.Task}, {train.ClassCount} classes, {train.Features.ColumnCount} features).",
                nameof(validation));
        }
    }

    private static string DescribeValidation(LinearModel model, LabeledData validation)
    {
        if (validation.RowCount == 0)
        {
            return "linear: validation set is empty";
        }

        var output = new float[validation.RowCount * model.OutputCount];
        model.PredictBatch(validation.Features, output);
        if (model.Task == ModelTask.Regression)
        {
            var regression = RegressionMetrics.Compute(validation.Labels, output);
            return Invariant($"linear: validation rmse {regression.Rmse:G6}, mae {regression.Mae:G6}, r2 {regression.RSquared:F4}");
        }

        var classification = ClassificationMetrics.Compute(validation.Labels, output, model.OutputCount);
        var auc = classification.Auc is { } value ? Invariant($", auc {value:F4}") : string.Empty;
        return Invariant($"linear: validation accuracy {classification.Accuracy:F4}, log-loss {classification.LogLoss:F4}{auc}");
    }

    private static void Report(IProgress<string>? progress, string message) => progress?.Report(message);

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    private static LinearOptions Validated(LinearOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        return options;
    }
}

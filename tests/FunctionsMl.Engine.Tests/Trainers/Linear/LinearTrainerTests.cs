using FunctionsMl.Engine.Metrics;
using FunctionsMl.Engine.Trainers.Linear;
using FunctionsMl.Engine.Training;

namespace FunctionsMl.Engine.Tests.Trainers.Linear;

public sealed class LinearTrainerTests
{
    [Fact]
    public void Fit_RidgeOneFeatureByHand_MatchesClosedForm()
    {
        // x̄ = 2.5, ȳ = 6.125, Σ(x−x̄)(y−ȳ) = 10.25, Σ(x−x̄)² = 5, so w = 10.25 / (5 + 1) and b = ȳ − w·x̄.
        var data = new LabeledData(new FeatureMatrix([1, 2, 3, 4], 4, 1), [3, 5, 7.5f, 9], ModelTask.Regression, 0);

        var model = Fit(data, new LinearOptions { L2 = 1 });

        Assert.Equal(10.25 / 6, model.Weights[0], 12);
        Assert.Equal(6.125 - (2.5 * 10.25 / 6), model.Intercepts[0], 12);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(1.0)]
    [InlineData(25.0)]
    public void Fit_Ridge_MatchesNormalEquationsWithUnpenalisedIntercept(double l2)
    {
        var data = RegressionData(rows: 200, seed: 3, [2.0, -1.0, 0.5, 0.0, 3.0]);
        var (expectedWeights, expectedIntercept) = ReferenceRidge(data, l2);

        var model = Fit(data, new LinearOptions { L2 = l2 });

        for (var j = 0; j < expectedWeights.Length; j++)
        {
            Assert.Equal(expectedWeights[j], model.Weights[j], 1e-6);
        }

        Assert.Equal(expectedIntercept, model.Intercepts[0], 1e-6);
    }

    [Fact]
    public void Fit_RidgeCollinearWithoutPenalty_FallsBackToIterationAndFitsExactly()
    {
        // The second feature copies the first, so XᵀX is singular and Cholesky must give way to L-BFGS.
        var features = new FeatureMatrix(50, 2);
        var labels = new float[50];
        for (var i = 0; i < 50; i++)
        {
            features[i, 0] = features[i, 1] = (i - 25) / 10f;
            labels[i] = (2 * features[i, 0]) + 1;
        }

        var messages = new ListProgress();
        var model = (LinearModel)new LinearTrainer(new LinearOptions { L2 = 0 }).Fit(new LabeledData(features, labels, ModelTask.Regression, 0), null, messages, default);

        Assert.Contains(messages.Messages, m => m.Contains("singular", StringComparison.Ordinal));
        Assert.Equal(2.0, model.Weights[0] + model.Weights[1], 1e-5);
        Assert.Equal(1.0, model.Intercepts[0], 1e-5);
    }

    [Fact]
    public void Fit_NoFeatures_LearnsOnlyTheIntercept()
    {
        float[] labels = [1, 0, 1, 1];
        var none = new FeatureMatrix(4, 0);

        var ridge = Fit(new LabeledData(none, labels, ModelTask.Regression, 0), new LinearOptions());
        var logistic = Fit(new LabeledData(none, labels, ModelTask.Binary, 2), new LinearOptions());

        Assert.Equal(0.75, ridge.Intercepts[0], 12);
        // Stopping at 1e-6 of the starting gradient (0.25) over curvature 0.1875 leaves about 1.3e-6 here.
        Assert.Equal(Math.Log(0.75 / 0.25), logistic.Intercepts[0], 5);
        var output = new float[2];
        logistic.Predict([], output);
        Assert.Equal(0.75f, output[1], 5);
    }

    [Fact]
    public void Fit_SeparableBinary_ReachesAccuracyOne()
    {
        var data = LinearTestData.Blobs(rows: 400, columns: 3, classes: 2, spread: 0.3, seed: 5);

        var model = Fit(data, new LinearOptions());

        Assert.Equal(1.0, Score(model, data).Accuracy);
    }

    [Fact]
    public void Fit_NoisyBinary_GradientVanishesAtReturnedWeights()
    {
        var data = LinearTestData.NoisyBinary(2000, 11, 1.5, -2.0, 0.5, 0.0);
        const double l2 = 1.0;

        var model = Fit(data, new LinearOptions { L2 = l2 });

        var d = data.Features.ColumnCount;
        var atOptimum = LogisticGradient(data, model.Weights.ToArray(), model.Intercepts[0], l2);
        var atZero = LogisticGradient(data, new double[d], 0, l2);
        Assert.True(Norm(atOptimum) <= 1e-5 * Norm(atZero), $"gradient {Norm(atOptimum)} vs {Norm(atZero)} at zero");
        Assert.True(Score(model, data).Accuracy > 0.75);
    }

    [Fact]
    public void Fit_Multiclass_GradientVanishesAndProbabilitiesSumToOne()
    {
        var data = LinearTestData.Blobs(rows: 600, columns: 4, classes: 3, spread: 1.5, seed: 7);
        const double l2 = 2.0;

        var model = Fit(data, new LinearOptions { L2 = l2 });

        var atOptimum = SoftmaxGradient(data, model.Weights.ToArray(), model.Intercepts.ToArray(), l2);
        var atZero = SoftmaxGradient(data, new double[model.Weights.Length], new double[3], l2);
        Assert.True(Norm(atOptimum) <= 1e-5 * Norm(atZero), $"gradient {Norm(atOptimum)} vs {Norm(atZero)} at zero");
        var output = new float[3];
        for (var i = 0; i < data.RowCount; i++)
        {
            model.Predict(data.Features.Row(i), output);
            Assert.Equal(1.0, output[0] + output[1] + output[2], 5);
        }

        Assert.True(Score(model, data).Accuracy > 0.8);
    }

    [Fact]
    public void Fit_MulticlassWithAbsentClass_NeverPredictsIt()
    {
        var three = LinearTestData.Blobs(rows: 300, columns: 2, classes: 3, spread: 0.5, seed: 13);
        var data = three with { ClassCount = 4 };

        var model = Fit(data, new LinearOptions());

        Assert.Equal(4, model.OutputCount);
        Assert.True(double.IsNegativeInfinity(model.Intercepts[3]));
        var output = new float[4];
        model.Predict(data.Features.Row(0), output);
        Assert.Equal(0f, output[3]);
        Assert.Equal(1.0, output[0] + output[1] + output[2], 5);
    }

    [Theory]
    [InlineData(ModelTask.Binary)]
    [InlineData(ModelTask.Multiclass)]
    [InlineData(ModelTask.Regression)]
    public void Fit_DifferentThreadCounts_GiveIdenticalWeights(ModelTask task)
    {
        // 3000 rows span several fixed chunks, so the threads really split the work.
        var data = task switch
        {
            ModelTask.Binary => LinearTestData.NoisyBinary(3000, 17, 1, -1, 2, 0.5, -0.5, 0),
            ModelTask.Multiclass => LinearTestData.Blobs(3000, 6, 4, 1.5, 17),
            _ => RegressionData(3000, 17, [1, -1, 2, 0.5, -0.5, 0]),
        };

        var one = Fit(data, new LinearOptions { Threads = 1 });
        var two = Fit(data, new LinearOptions { Threads = 2 });
        var five = Fit(data, new LinearOptions { Threads = 5 });

        Assert.Equal(one.Weights.ToArray(), two.Weights.ToArray());
        Assert.Equal(one.Weights.ToArray(), five.Weights.ToArray());
        Assert.Equal(one.Intercepts.ToArray(), five.Intercepts.ToArray());
    }

    [Theory]
    [InlineData(ModelTask.Binary, 2)]
    [InlineData(ModelTask.Multiclass, 3)]
    public void Fit_SingleClass_ThrowsNeedsTwoClasses(ModelTask task, int classCount)
    {
        var data = new LabeledData(LinearTestData.Gaussian(10, 2, 1), new float[10], task, classCount);

        var error = Assert.Throws<ArgumentException>(() => new LinearTrainer(new LinearOptions()).Fit(data, null, null, default));

        Assert.Contains("needs at least two classes", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Fit_NaNFeatures_TrainAsZeros()
    {
        var clean = LinearTestData.NoisyBinary(300, 19, 1, 2);
        var withNaN = new FeatureMatrix((float[])clean.Features.Values.Clone(), clean.RowCount, 2);
        var zeroed = new FeatureMatrix((float[])clean.Features.Values.Clone(), clean.RowCount, 2);
        for (var i = 0; i < clean.RowCount; i += 7)
        {
            withNaN[i, 1] = float.NaN;
            zeroed[i, 1] = 0;
        }

        var fromNaN = Fit(clean with { Features = withNaN }, new LinearOptions());
        var fromZero = Fit(clean with { Features = zeroed }, new LinearOptions());

        Assert.Equal(fromZero.Weights.ToArray(), fromNaN.Weights.ToArray());
        Assert.True(float.IsNaN(withNaN[0, 1]), "training must not change the caller's features");
    }

    [Fact]
    public void Fit_InfiniteFeature_ThrowsNamingRowAndFeature()
    {
        var data = LinearTestData.NoisyBinary(20, 23, 1, 1);
        data.Features[4, 1] = float.PositiveInfinity;

        var error = Assert.Throws<ArgumentException>(() => new LinearTrainer(new LinearOptions()).Fit(data, null, null, default));

        Assert.Contains("Row 4, feature 1", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Fit_LabelOutsideClasses_Throws()
    {
        var data = new LabeledData(LinearTestData.Gaussian(3, 1, 1), [0, 1, 2], ModelTask.Binary, 2);

        var error = Assert.Throws<ArgumentException>(() => new LinearTrainer(new LinearOptions()).Fit(data, null, null, default));

        Assert.Contains("Row 2", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Fit_CancelledToken_Throws()
    {
        var data = LinearTestData.NoisyBinary(100, 29, 1, 1);

        Assert.ThrowsAny<OperationCanceledException>(() => new LinearTrainer(new LinearOptions()).Fit(data, null, null, new CancellationToken(canceled: true)));
    }

    [Fact]
    public void Fit_CancelledDuringTraining_StopsBetweenIterations()
    {
        var data = LinearTestData.NoisyBinary(500, 29, Enumerable.Range(0, 20).Select(j => (j % 5) - 2.0).ToArray());
        using var cancellation = new CancellationTokenSource();
        var progress = new ListProgress(onReport: message =>
        {
            if (message.Contains("iteration 10", StringComparison.Ordinal))
            {
                cancellation.Cancel();
            }
        });

        Assert.ThrowsAny<OperationCanceledException>(() =>
            new LinearTrainer(new LinearOptions { Tolerance = 1e-15, MaxIterations = 1000 }).Fit(data, null, progress, cancellation.Token));
        Assert.DoesNotContain(progress.Messages, m => m.Contains("iteration 20", StringComparison.Ordinal));
    }

    [Fact]
    public void Fit_WithValidation_ReportsConvergenceAndValidationScore()
    {
        var train = LinearTestData.NoisyBinary(400, 31, 2, -1);
        var validation = LinearTestData.NoisyBinary(100, 37, 2, -1);
        var progress = new ListProgress();

        new LinearTrainer(new LinearOptions()).Fit(train, validation, progress, default);

        Assert.Contains(progress.Messages, m => m.StartsWith("linear: converged after", StringComparison.Ordinal));
        Assert.Contains(progress.Messages, m => m.StartsWith("linear: validation accuracy", StringComparison.Ordinal) && m.Contains("auc", StringComparison.Ordinal));
    }

    [Fact]
    public void Fit_ValidationWithOtherFeatureCount_Throws()
    {
        var train = LinearTestData.NoisyBinary(50, 41, 1, 1);
        var validation = LinearTestData.NoisyBinary(50, 41, 1, 1, 1);

        var error = Assert.Throws<ArgumentException>(() => new LinearTrainer(new LinearOptions()).Fit(train, validation, null, default));

        Assert.Equal("validation", error.ParamName);
    }

    [Fact]
    public void Fit_MaxIterationsReached_StillReturnsAModel()
    {
        var data = LinearTestData.NoisyBinary(300, 43, 3, -2, 1);
        var progress = new ListProgress();

        var model = (LinearModel)new LinearTrainer(new LinearOptions { MaxIterations = 2 }).Fit(data, null, progress, default);

        Assert.Contains(progress.Messages, m => m.Contains("reached maxIterations after 2 iterations", StringComparison.Ordinal));
        Assert.True(Score(model, data).Accuracy > 0.6);
    }

    [Fact]
    public void Trainer_DescribesItself()
    {
        var trainer = new LinearTrainer(new LinearOptions());

        Assert.Equal("linear", trainer.Kind);
        Assert.True(trainer.WantsStandardizedFeatures);
    }

    [Fact]
    public void Constructor_InvalidOptions_Throws()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new LinearTrainer(new LinearOptions { L2 = -1 }));

        Assert.Equal("L2", error.ParamName);
    }

    private static LinearModel Fit(LabeledData data, LinearOptions options) =>
        (LinearModel)new LinearTrainer(options).Fit(data, null, null, default);

    private static ClassificationMetrics Score(LinearModel model, LabeledData data)
    {
        var output = new float[data.RowCount * model.OutputCount];
        model.PredictBatch(data.Features, output);
        return ClassificationMetrics.Compute(data.Labels, output, model.OutputCount);
    }

    private static LabeledData RegressionData(int rows, int seed, double[] trueWeights)
    {
        var features = LinearTestData.Gaussian(rows, trueWeights.Length, seed);
        var random = new Random(seed + 1);
        var labels = new float[rows];
        for (var i = 0; i < rows; i++)
        {
            var value = 4.0 + LinearTestData.Normal(random);
            for (var j = 0; j < trueWeights.Length; j++)
            {
                value += trueWeights[j] * features[i, j];
            }

            labels[i] = (float)value;
        }

        return new LabeledData(features, labels, ModelTask.Regression, 0);
    }

    /// <summary>
    /// Minimiser of ½‖y − Xw − b‖² + (L2/2)‖w‖² from the full (d+1) × (d+1) normal equations, without centering:
    /// [XᵀX + L2·I, Xᵀ1; 1ᵀX, n]·[w; b] = [Xᵀy; Σy].
    /// </summary>
    private static (double[] Weights, double Intercept) ReferenceRidge(LabeledData data, double l2)
    {
        var d = data.Features.ColumnCount;
        var a = new double[d + 1, d + 1];
        var b = new double[d + 1];
        for (var i = 0; i < data.RowCount; i++)
        {
            for (var j = 0; j <= d; j++)
            {
                var xj = j < d ? data.Features[i, j] : 1.0;
                b[j] += xj * data.Labels[i];
                for (var k = 0; k <= d; k++)
                {
                    a[j, k] += xj * (k < d ? data.Features[i, k] : 1.0);
                }
            }
        }

        for (var j = 0; j < d; j++)
        {
            a[j, j] += l2;
        }

        var solution = LinearTestData.Solve(a, b);
        return (solution[..d], solution[d]);
    }

    /// <summary>∇ of Σ log(1 + e^(−y·z)) + (L2/2)‖w‖², as [w gradient, intercept gradient].</summary>
    private static double[] LogisticGradient(LabeledData data, double[] weights, double intercept, double l2)
    {
        var d = weights.Length;
        var gradient = new double[d + 1];
        for (var i = 0; i < data.RowCount; i++)
        {
            var margin = intercept;
            for (var j = 0; j < d; j++)
            {
                margin += weights[j] * data.Features[i, j];
            }

            var residual = (1 / (1 + Math.Exp(-margin))) - data.Labels[i];
            for (var j = 0; j < d; j++)
            {
                gradient[j] += residual * data.Features[i, j];
            }

            gradient[d] += residual;
        }

        for (var j = 0; j < d; j++)
        {
            gradient[j] += l2 * weights[j];
        }

        return gradient;
    }

    /// <summary>∇ of Σ cross-entropy(softmax(Wx + b)) + (L2/2)‖W‖², as [W gradient, b gradient].</summary>
    private static double[] SoftmaxGradient(LabeledData data, double[] weights, double[] intercepts, double l2)
    {
        var classes = intercepts.Length;
        var d = data.Features.ColumnCount;
        var gradient = new double[weights.Length + classes];
        var probabilities = new double[classes];
        for (var i = 0; i < data.RowCount; i++)
        {
            var sum = 0.0;
            for (var k = 0; k < classes; k++)
            {
                var margin = intercepts[k];
                for (var j = 0; j < d; j++)
                {
                    margin += weights[(k * d) + j] * data.Features[i, j];
                }

                probabilities[k] = Math.Exp(margin);
                sum += probabilities[k];
            }

            for (var k = 0; k < classes; k++)
            {
                var residual = (probabilities[k] / sum) - (data.Labels[i] == k ? 1 : 0);
                for (var j = 0; j < d; j++)
                {
                    gradient[(k * d) + j] += residual * data.Features[i, j];
                }

                gradient[weights.Length + k] += residual;
            }
        }

        for (var j = 0; j < weights.Length; j++)
        {
            gradient[j] += l2 * weights[j];
        }

        return gradient;
    }

    private static double Norm(double[] values) => Math.Sqrt(values.Sum(v => v * v));

    /// <summary>Collects progress synchronously (<see cref="Progress{T}"/> would post to the thread pool).</summary>
    private sealed class ListProgress(Action<string>? onReport = null) : IProgress<string>
    {
        public List<string> Messages { get; } = [];

        public void Report(string value)
        {
            Messages.Add(value);
            onReport?.Invoke(value);
        }
    }
}

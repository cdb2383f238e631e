using FunctionsMl.Engine.Metrics;
using FunctionsMl.Engine.Trainers.Gbdt;
using FunctionsMl.Engine.Training;

namespace FunctionsMl.Engine.Tests.Trainers.Gbdt;

public sealed class GbdtTrainerTests
{
    /// <summary>Small, fast settings; named arguments override one or two.</summary>
    private static GbdtOptions Options(
        int trees = 30, int leaves = 8, int maxDepth = 0, double learningRate = 0.2, int minRowsPerLeaf = 5,
        double rowSubsample = 1, double featureSubsample = 1, int earlyStoppingRounds = 0, int seed = 1, int threads = 0) =>
        new()
        {
            Trees = trees, Leaves = leaves, MaxDepth = maxDepth, LearningRate = learningRate, MinRowsPerLeaf = minRowsPerLeaf,
            RowSubsample = rowSubsample, FeatureSubsample = featureSubsample, EarlyStoppingRounds = earlyStoppingRounds,
            Seed = seed, Threads = threads,
        };

    [Fact]
    public void Fit_SeparableBinary_OneSplitAtTheGapWithNewtonLeafValues()
    {
        float[] values = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
        float[] labels = [0, 0, 0, 0, 0, 1, 1, 1, 1, 1];
        var trainer = new GbdtTrainer(new GbdtOptions { Trees = 1, Leaves = 2, LearningRate = 1, L2 = 1, MinRowsPerLeaf = 1 });

        var model = trainer.Fit(GbdtTestData.OneFeature(values, labels, ModelTask.Binary, 2), null);

        // Prior 1/2 gives base score 0 and p = 0.5 everywhere: each side has G = ±5·0.5, H = 5·0.25.
        var node = Assert.Single(model.Nodes.ToArray());
        Assert.Equal(0, node.Feature);
        Assert.Equal(4.5f, node.Threshold);
        var expected = (float)(2.5 / (1.25 + 1));
        Assert.Equal(-expected, model.LeafValues[~node.Left], 6);
        Assert.Equal(expected, model.LeafValues[~node.Right], 6);
        Assert.Equal(0f, model.BaseScores[0]);

        var output = new float[2];
        model.Predict([4.4f], output);
        Assert.Equal(1 / (1 + Math.Exp(expected)), output[1], 6);
        Assert.Equal(1, output[0] + output[1], 6);
    }

    [Fact]
    public void Fit_RegressionStepFunction_RecoversTheSteps()
    {
        var values = new float[300];
        var labels = new float[300];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = i / 30f;
            labels[i] = values[i] < 3 ? 1 : values[i] < 7 ? 5 : 2;
        }

        var trainer = new GbdtTrainer(new GbdtOptions { Trees = 60, Leaves = 4, LearningRate = 0.3, MinRowsPerLeaf = 5 });

        var model = trainer.Fit(GbdtTestData.OneFeature(values, labels, ModelTask.Regression, 0), null);

        var output = new float[1];
        foreach (var (x, y) in new[] { (0.5f, 1f), (2.9f, 1f), (3.1f, 5f), (6.5f, 5f), (7.2f, 2f), (9.9f, 2f) })
        {
            model.Predict([x], output);
            Assert.Equal(y, output[0], 0.01);
        }

        var firstTree = model.Nodes[..model.Roots[1]].ToArray();
        Assert.Contains(firstTree, node => node.Threshold > 2.96f && node.Threshold < 3f);
        Assert.Contains(firstTree, node => node.Threshold > 6.96f && node.Threshold < 7f);
    }

    [Fact]
    public void Fit_MissingValuesWithTheLowClass_LearnsDefaultLeft()
    {
        // Values below 5 and missing values are class 0; the split must send missing values left.
        var values = new List<float>();
        var labels = new List<float>();
        for (var i = 0; i < 10; i++)
        {
            values.Add(i);
            labels.Add(i < 5 ? 0 : 1);
            values.Add(float.NaN);
            labels.Add(0);
        }

        var trainer = new GbdtTrainer(new GbdtOptions { Trees = 1, Leaves = 2, LearningRate = 1, MinRowsPerLeaf = 1 });

        var model = trainer.Fit(GbdtTestData.OneFeature([.. values], [.. labels], ModelTask.Binary, 2), null);

        var node = Assert.Single(model.Nodes.ToArray());
        Assert.Equal(4.5f, node.Threshold);
        Assert.True(node.DefaultLeft);
        var missing = new float[2];
        var high = new float[2];
        model.Predict([float.NaN], missing);
        model.Predict([8f], high);
        Assert.True(missing[1] < 0.5);
        Assert.True(high[1] > 0.5);
    }

    [Fact]
    public void Fit_OnlyMissingnessInformative_SplitsMissingRight()
    {
        var values = new List<float>();
        var labels = new List<float>();
        for (var i = 0; i < 10; i++)
        {
            values.Add(i);
            labels.Add(0);
            values.Add(float.NaN);
            labels.Add(1);
        }

        var trainer = new GbdtTrainer(new GbdtOptions { Trees = 1, Leaves = 2, LearningRate = 1, MinRowsPerLeaf = 1 });

        var model = trainer.Fit(GbdtTestData.OneFeature([.. values], [.. labels], ModelTask.Binary, 2), null);

        var node = Assert.Single(model.Nodes.ToArray());
        Assert.Equal(float.PositiveInfinity, node.Threshold);
        Assert.False(node.DefaultLeft);
        var output = new float[2];
        model.Predict([float.NaN], output);
        Assert.True(output[1] > 0.5);
        model.Predict([1e30f], output);
        Assert.True(output[1] < 0.5);
    }

    [Theory]
    [InlineData(ModelTask.Binary)]
    [InlineData(ModelTask.Multiclass)]
    [InlineData(ModelTask.Regression)]
    public void WriteRead_EveryTask_RoundTripsExactly(ModelTask task)
    {
        var (train, test) = Split(DataFor(task, 600));
        var model = new GbdtTrainer(Options(rowSubsample: 0.8, featureSubsample: 0.8)).Fit(train, null);

        var bytes = ToBytes(model);
        var read = GbdtModel.Read(new BinaryReader(new MemoryStream(bytes)));

        Assert.Equal(bytes, ToBytes(read));
        Assert.Equal((model.Task, model.FeatureCount, model.OutputCount, model.TreeCount), (read.Task, read.FeatureCount, read.OutputCount, read.TreeCount));
        Assert.Equal(model.FeatureImportance, read.FeatureImportance);
        Assert.Equal(GbdtTestData.PredictAll(model, test.Features), GbdtTestData.PredictAll(read, test.Features));
    }

    [Theory]
    [InlineData(ModelTask.Binary)]
    [InlineData(ModelTask.Multiclass)]
    [InlineData(ModelTask.Regression)]
    public void PredictBatch_EveryTask_MatchesPredictRowByRow(ModelTask task)
    {
        var (train, test) = Split(DataFor(task, 600));
        var model = new GbdtTrainer(Options()).Fit(train, null);

        var batch = GbdtTestData.PredictAll(model, test.Features);

        var single = new float[model.OutputCount];
        for (var row = 0; row < test.RowCount; row++)
        {
            model.Predict(test.Features.Row(row), single);
            Assert.Equal(single, batch.AsSpan(row * model.OutputCount, model.OutputCount).ToArray());
        }
    }

    [Fact]
    public void PredictBatch_LargeBatch_MatchesPredictRowByRow()
    {
        var (train, _) = Split(GbdtTestData.Binary(600, 5, seed: 3));
        var model = new GbdtTrainer(Options()).Fit(train, null);
        var big = GbdtTestData.Binary(20_000, 5, seed: 4).Features;

        var batch = GbdtTestData.PredictAll(model, big);

        var single = new float[2];
        for (var row = 0; row < big.RowCount; row += 97)
        {
            model.Predict(big.Row(row), single);
            Assert.Equal(single[1], batch[(row * 2) + 1]);
        }
    }

    [Fact]
    public void Predict_EdgeValues_MatchesANaiveWalkOfTheTrees()
    {
        var data = GbdtTestData.Binary(800, 4, seed: 20, missingShare: 0.2);
        var model = new GbdtTrainer(Options(trees: 25, leaves: 12, minRowsPerLeaf: 3)).Fit(data, null);
        var thresholds = model.Nodes.ToArray().Select(node => node.Threshold).Where(float.IsFinite).ToArray();
        var random = new Random(21);
        var output = new float[2];

        for (var i = 0; i < 500; i++)
        {
            // Values exactly on thresholds, just above them, missing, and infinite.
            var row = Enumerable.Range(0, 4).Select(_ => random.Next(5) switch
            {
                0 => thresholds[random.Next(thresholds.Length)],
                1 => MathF.BitIncrement(thresholds[random.Next(thresholds.Length)]),
                2 => float.NaN,
                3 => random.Next(2) == 0 ? float.PositiveInfinity : float.NegativeInfinity,
                _ => (float)((random.NextDouble() * 4) - 2),
            }).ToArray();

            model.Predict(row, output);

            var score = (double)model.BaseScores[0];
            foreach (var root in model.Roots)
            {
                var node = root;
                while (node >= 0)
                {
                    var split = model.Nodes[node];
                    var value = row[split.Feature];
                    node = float.IsNaN(value) ? (split.DefaultLeft ? split.Left : split.Right) : value <= split.Threshold ? split.Left : split.Right;
                }

                score += model.LeafValues[~node];
            }

            Assert.Equal((float)(1 / (1 + Math.Exp(-(float)score))), output[1]);
        }
    }

    [Fact]
    public void Predict_ManyClasses_SumsToOneAndMatchesBatch()
    {
        // More classes than a single prediction keeps on the stack.
        const int classes = 70;
        var random = new Random(22);
        var values = Enumerable.Range(0, classes * 10).Select(i => (float)(i / 10) + (float)random.NextDouble()).ToArray();
        var labels = Enumerable.Range(0, classes * 10).Select(i => (float)(i / 10)).ToArray();
        var data = GbdtTestData.OneFeature(values, labels, ModelTask.Multiclass, classes);
        var model = new GbdtTrainer(Options(trees: 2, minRowsPerLeaf: 2)).Fit(data, null);

        var batch = GbdtTestData.PredictAll(model, data.Features);

        var single = new float[classes];
        model.Predict([35.5f], single);
        Assert.Equal(1f, single.Sum(), 4);
        for (var row = 0; row < data.RowCount; row += 37)
        {
            model.Predict(data.Features.Row(row), single);
            Assert.Equal(single, batch.AsSpan(row * classes, classes).ToArray());
        }
    }

    [Fact]
    public void Fit_Binary_BeatsThePriorOnHeldOutRows()
    {
        var (train, test) = Split(GbdtTestData.Binary(2000, 6, seed: 5));

        var model = new GbdtTrainer(Options(trees: 60)).Fit(train, null);

        var metrics = ClassificationMetrics.Compute(test.Labels, GbdtTestData.PredictAll(model, test.Features), 2);
        Assert.True(metrics.Accuracy > 0.85, $"accuracy {metrics.Accuracy}");
        Assert.True(metrics.Auc > 0.93, $"AUC {metrics.Auc}");
        // Feature 0 carries the most weight in the label.
        Assert.Equal(0, model.FeatureImportance.Index().MaxBy(x => x.Item).Index);
    }

    [Fact]
    public void Fit_Multiclass_ProbabilitiesSumToOneAndClassesAreLearned()
    {
        var (train, test) = Split(GbdtTestData.Multiclass(1500, 4, seed: 6));

        var model = new GbdtTrainer(Options(trees: 40)).Fit(train, null);

        Assert.Equal(3 * 40, model.TreeCount);
        var probabilities = GbdtTestData.PredictAll(model, test.Features);
        for (var row = 0; row < test.RowCount; row++)
        {
            var sum = probabilities[row * 3] + probabilities[(row * 3) + 1] + probabilities[(row * 3) + 2];
            Assert.Equal(1f, sum, 5);
        }

        var metrics = ClassificationMetrics.Compute(test.Labels, probabilities, 3);
        Assert.True(metrics.Accuracy > 0.85, $"accuracy {metrics.Accuracy}");
    }

    [Fact]
    public void Fit_Regression_FitsASmoothFunction()
    {
        var (train, test) = Split(GbdtTestData.Regression(2000, 4, seed: 7));

        var model = new GbdtTrainer(Options(trees: 100)).Fit(train, null);

        var metrics = RegressionMetrics.Compute(test.Labels, GbdtTestData.PredictAll(model, test.Features));
        Assert.True(metrics.RSquared > 0.95, $"R² {metrics.RSquared}");
    }

    [Fact]
    public void Fit_SameSeed_IdenticalBytes()
    {
        var data = GbdtTestData.Binary(800, 6, seed: 8);
        GbdtOptions Seeded(int seed) => Options(rowSubsample: 0.7, featureSubsample: 0.5, seed: seed);

        var first = ToBytes(new GbdtTrainer(Seeded(11)).Fit(data, null));
        var second = ToBytes(new GbdtTrainer(Seeded(11)).Fit(data, null));
        var otherSeed = ToBytes(new GbdtTrainer(Seeded(12)).Fit(data, null));

        Assert.Equal(first, second);
        Assert.NotEqual(first, otherSeed);
    }

    [Theory]
    [InlineData(ModelTask.Binary)]
    [InlineData(ModelTask.Multiclass)]
    [InlineData(ModelTask.Regression)]
    public void Fit_DifferentThreadCounts_IdenticalModel(ModelTask task)
    {
        // Large enough that histogram passes and gradient blocks really run in parallel.
        var data = DataFor(task, 20_000);
        GbdtOptions Threaded(int threads) => Options(trees: 5, leaves: 16, rowSubsample: 0.9, featureSubsample: 0.8, threads: threads);

        var one = ToBytes(new GbdtTrainer(Threaded(1)).Fit(data, null));
        var two = ToBytes(new GbdtTrainer(Threaded(2)).Fit(data, null));
        var five = ToBytes(new GbdtTrainer(Threaded(5)).Fit(data, null));

        Assert.Equal(one, two);
        Assert.Equal(one, five);
    }

    [Fact]
    public void Fit_HistogramBudgetForThree_EvictsAndStillLearns()
    {
        // Room for only three histograms: leaves lose theirs and their children are built from rows instead.
        var (train, test) = Split(GbdtTestData.Binary(2000, 6, seed: 23));
        var options = Options(trees: 40, leaves: 16);
        var roomy = new GbdtTrainer(options).Fit(train, null);
        var tight = new GbdtTrainer(options) { HistogramBudgetBytes = 1 }.Fit(train, null);
        var again = new GbdtTrainer(options) { HistogramBudgetBytes = 1 }.Fit(train, null);

        Assert.Equal(ToBytes(tight), ToBytes(again));
        Assert.Equal(roomy.LeafCount, tight.LeafCount);
        var roomyAccuracy = ClassificationMetrics.Compute(test.Labels, GbdtTestData.PredictAll(roomy, test.Features), 2).Accuracy;
        var tightAccuracy = ClassificationMetrics.Compute(test.Labels, GbdtTestData.PredictAll(tight, test.Features), 2).Accuracy;
        Assert.Equal(roomyAccuracy, tightAccuracy, 2);
    }

    [Fact]
    public void Fit_SparseFeatures_SameModelAsColumnStorage()
    {
        var (train, test) = Split(SparseBinary(3000, seed: 26));
        var options = Options(trees: 30, leaves: 16, featureSubsample: 0.8, rowSubsample: 0.9);
        var sparse = new GbdtTrainer(options).Fit(train, null);
        var dense = new GbdtTrainer(options) { SparseThreshold = 2 }.Fit(train, null);

        var sparseProbabilities = GbdtTestData.PredictAll(sparse, test.Features);
        var denseProbabilities = GbdtTestData.PredictAll(dense, test.Features);
        // The common bin is a difference rather than a sum, so the last bits may differ, not the trees.
        Assert.Equal(dense.Nodes.ToArray().Select(node => (node.Feature, node.Threshold)), sparse.Nodes.ToArray().Select(node => (node.Feature, node.Threshold)));
        for (var i = 0; i < denseProbabilities.Length; i++)
        {
            Assert.Equal(denseProbabilities[i], sparseProbabilities[i], 4);
        }

        Assert.True(ClassificationMetrics.Compute(test.Labels, sparseProbabilities, 2).Accuracy > 0.9);
    }

    [Fact]
    public void Fit_SparseFeaturesDifferentThreadCounts_IdenticalModel()
    {
        var data = SparseBinary(3000, seed: 27);

        var one = ToBytes(new GbdtTrainer(Options(trees: 10, leaves: 16, threads: 1)).Fit(data, null));
        var three = ToBytes(new GbdtTrainer(Options(trees: 10, leaves: 16, threads: 3)).Fit(data, null));

        Assert.Equal(one, three);
    }

    [Fact]
    public void Fit_EarlyStopping_StopsAndKeepsTheBestRound()
    {
        // Noisy labels and a high learning rate: validation loss soon rises.
        var train = NoisyBinary(300, seed: 9);
        var validation = NoisyBinary(300, seed: 10);
        const int patience = 5;
        GbdtOptions Stopping(int trees, int rounds) => Options(trees: trees, learningRate: 0.5, minRowsPerLeaf: 3, earlyStoppingRounds: rounds);
        var options = Stopping(60, patience);
        var messages = new List<string>();

        var model = new GbdtTrainer(options).Fit(train, validation, new SynchronousProgress(messages.Add));

        Assert.True(model.Rounds < options.Trees, $"kept {model.Rounds} rounds");
        // Boosting k rounds gives the first k rounds of any longer run, so these are the losses the trainer saw.
        var losses = Enumerable.Range(1, model.Rounds + patience)
            .Select(rounds => ValidationLoss(new GbdtTrainer(Stopping(rounds, 0)).Fit(train, null), validation))
            .ToArray();
        Assert.Equal(Array.IndexOf(losses, losses.Min()) + 1, model.Rounds);
        var best = new GbdtTrainer(Stopping(model.Rounds, 0)).Fit(train, null);
        Assert.Equal(ToBytes(best), ToBytes(model));
        Assert.Contains(messages, message => message.StartsWith("early stopping after round", StringComparison.Ordinal));
    }

    [Fact]
    public void Fit_Progress_ReportsEveryTenTreesWithLosses()
    {
        var (train, validation) = Split(GbdtTestData.Binary(400, 4, seed: 12));
        var messages = new List<string>();

        new GbdtTrainer(Options(trees: 20)).Fit(train, validation, new SynchronousProgress(messages.Add));

        Assert.Equal(2, messages.Count);
        Assert.StartsWith("tree 10/20, train logloss ", messages[0], StringComparison.Ordinal);
        Assert.Contains(", validation logloss ", messages[1], StringComparison.Ordinal);
    }

    [Fact]
    public void Fit_CancelledBeforeStart_Throws()
    {
        using var cancellation = new CancellationTokenSource();
        cancellation.Cancel();

        Assert.ThrowsAny<OperationCanceledException>(() =>
            new GbdtTrainer(Options()).Fit(GbdtTestData.Binary(200, 3, seed: 13), null, null, cancellation.Token));
    }

    [Fact]
    public void Fit_CancelledBetweenTrees_StopsSoon()
    {
        using var cancellation = new CancellationTokenSource();
        var reports = 0;
        var progress = new SynchronousProgress(_ =>
        {
            reports++;
            cancellation.Cancel();
        });

        Assert.ThrowsAny<OperationCanceledException>(() =>
            new GbdtTrainer(Options(trees: 1000)).Fit(GbdtTestData.Binary(200, 3, seed: 14), null, progress, cancellation.Token));
        Assert.Equal(1, reports);
    }

    [Fact]
    public void Fit_BadLabels_ThrowsNamingTheRow()
    {
        var data = GbdtTestData.OneFeature([1, 2, 3], [0, 2, 1], ModelTask.Binary, 2);

        var exception = Assert.Throws<ArgumentException>(() => new GbdtTrainer(Options()).Fit(data, null));

        Assert.Contains("row 1", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Fit_ConstantFeatures_PredictsThePrior()
    {
        var data = GbdtTestData.OneFeature([1, 1, 1, 1], [0, 1, 1, 1], ModelTask.Binary, 2);

        var model = new GbdtTrainer(Options(minRowsPerLeaf: 1)).Fit(data, null);

        var output = new float[2];
        model.Predict([1f], output);
        Assert.Equal(0.75f, output[1], 5);
    }

    [Fact]
    public void Fit_NoFeatures_PredictsTheMean()
    {
        var data = new LabeledData(new FeatureMatrix(4, 0), [1, 2, 3, 6], ModelTask.Regression, 1);

        var model = new GbdtTrainer(Options(minRowsPerLeaf: 1)).Fit(data, null);

        var output = new float[1];
        model.Predict([], output);
        Assert.Equal(3f, output[0], 5);
        Assert.Equal([3f, 3f, 3f, 3f], GbdtTestData.PredictAll(model, data.Features).Select(v => MathF.Round(v, 4)));
    }

    [Fact]
    public void Fit_MaxDepthOne_GrowsStumps()
    {
        var model = new GbdtTrainer(Options(maxDepth: 1, leaves: 31)).Fit(GbdtTestData.Binary(500, 4, seed: 15), null);

        Assert.All(model.Nodes.ToArray(), node => Assert.True(node.Left < 0 && node.Right < 0));
    }

    [Fact]
    public void Fit_Leaves_BoundsEveryTree()
    {
        var model = new GbdtTrainer(Options(leaves: 5, minRowsPerLeaf: 1)).Fit(GbdtTestData.Binary(500, 4, seed: 16), null);

        Assert.Equal(4, model.Roots[1]);
        Assert.True(model.Nodes.Length <= model.TreeCount * 4);
        Assert.Equal(model.Nodes.Length + model.TreeCount, model.LeafValues.Length);
    }

    [Fact]
    public void Fit_FeatureSubsample_EachTreeSplitsOnItsDrawnFeatureOnly()
    {
        // One feature in six per tree.
        var model = new GbdtTrainer(Options(trees: 20, featureSubsample: 0.1)).Fit(GbdtTestData.Binary(600, 6, seed: 19), null);

        var featuresPerTree = Enumerable.Range(0, model.TreeCount)
            .Select(tree => FeaturesOf(model, tree).Distinct().Count())
            .ToArray();
        Assert.All(featuresPerTree, count => Assert.True(count <= 1));
        Assert.True(Enumerable.Range(0, model.TreeCount).SelectMany(tree => FeaturesOf(model, tree)).Distinct().Count() > 1);
    }

    [Fact]
    public void Predict_AfterWarmUp_AllocatesNothing()
    {
        var model = new GbdtTrainer(Options(trees: 50)).Fit(GbdtTestData.Multiclass(500, 5, seed: 17), null);
        var row = new float[] { 0.1f, float.NaN, 0.7f, 0.3f, 0.9f };
        var output = new float[3];
        model.Predict(row, output);

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 10_000; i++)
        {
            model.Predict(row, output);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void PredictBatch_SmallBatchAfterWarmUp_AllocatesNothing()
    {
        var model = new GbdtTrainer(Options()).Fit(GbdtTestData.Binary(500, 5, seed: 24), null);
        var rows = GbdtTestData.Binary(1000, 5, seed: 25).Features;
        var output = new float[2000];
        model.PredictBatch(rows, output);

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 100; i++)
        {
            model.PredictBatch(rows, output);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void Predict_WrongFeatureCount_Throws()
    {
        var model = new GbdtTrainer(Options()).Fit(GbdtTestData.Binary(200, 3, seed: 18), null);

        Assert.Throws<ArgumentException>(() => model.Predict(new float[2], new float[2]));
        Assert.Throws<ArgumentException>(() => model.Predict(new float[3], new float[1]));
    }

    private static LabeledData DataFor(ModelTask task, int rows) => task switch
    {
        ModelTask.Binary => GbdtTestData.Binary(rows, 6, seed: 1),
        ModelTask.Multiclass => GbdtTestData.Multiclass(rows, 5, seed: 1),
        _ => GbdtTestData.Regression(rows, 5, seed: 1),
    };

    private static (LabeledData Train, LabeledData Test) Split(LabeledData data)
    {
        var cut = data.RowCount * 4 / 5;
        return (data.SelectRows([.. Enumerable.Range(0, cut)]), data.SelectRows([.. Enumerable.Range(cut, data.RowCount - cut)]));
    }

    /// <summary>Like hashed text: 200 columns of which each row sets about 8, with weights; some dense columns too.</summary>
    private static LabeledData SparseBinary(int rows, int seed)
    {
        const int sparseColumns = 200;
        var random = new Random(seed);
        var matrix = new FeatureMatrix(rows, sparseColumns + 2);
        var labels = new float[rows];
        for (var r = 0; r < rows; r++)
        {
            var score = 0.0;
            for (var k = 0; k < 8; k++)
            {
                var column = random.Next(sparseColumns);
                var weight = (float)(0.5 + random.NextDouble());
                matrix[r, column] = weight;
                score += column < 20 ? weight : column < 40 ? -weight : 0;
            }

            matrix[r, sparseColumns] = (float)random.NextDouble();
            matrix[r, sparseColumns + 1] = random.NextDouble() < 0.1 ? float.NaN : (float)random.NextDouble();
            score += matrix[r, sparseColumns] - 0.5;
            labels[r] = score > 0 ? 1 : 0;
        }

        return new LabeledData(matrix, labels, ModelTask.Binary, 2);
    }

    private static LabeledData NoisyBinary(int rows, int seed)
    {
        var data = GbdtTestData.Binary(rows, 4, seed, missingShare: 0);
        var random = new Random(seed + 1000);
        for (var i = 0; i < rows; i++)
        {
            if (random.NextDouble() < 0.3)
            {
                data.Labels[i] = 1 - data.Labels[i];
            }
        }

        return data;
    }

    private static double ValidationLoss(GbdtModel model, LabeledData validation) =>
        ClassificationMetrics.Compute(validation.Labels, GbdtTestData.PredictAll(model, validation.Features), 2).LogLoss;

    private static IEnumerable<int> FeaturesOf(GbdtModel model, int tree)
    {
        var pending = new Stack<int>([model.Roots[tree]]);
        while (pending.TryPop(out var node))
        {
            if (node >= 0)
            {
                yield return model.Nodes[node].Feature;
                pending.Push(model.Nodes[node].Left);
                pending.Push(model.Nodes[node].Right);
            }
        }
    }

    private static byte[] ToBytes(GbdtModel model)
    {
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream))
        {
            model.Write(writer);
        }

        return stream.ToArray();
    }

    private sealed class SynchronousProgress(Action<string> report) : IProgress<string>
    {
        public void Report(string value) => report(value);
    }
}

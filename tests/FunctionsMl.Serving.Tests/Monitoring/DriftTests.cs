using System.Text.Json;
using FunctionsMl.Engine.Data;
using FunctionsMl.Engine.Featurization;
using FunctionsMl.Engine.Models;
using FunctionsMl.Serving.Monitoring;
using FunctionsMl.Serving.Prediction;
using FunctionsMl.Serving.Tests.TestSupport;
using FunctionsMl.Serving.Tests.Traffic;

namespace FunctionsMl.Serving.Tests.Monitoring;

public sealed class DriftTests
{
    [Fact]
    public void Index_TwoBins_MatchesTheHandComputedValue()
    {
        // (0.6 − 0.5)·ln(0.6/0.5) + (0.4 − 0.5)·ln(0.4/0.5) = 0.01823216 + 0.02231436 = 0.04054652
        Assert.Equal(0.0405465, PopulationStability.Index([0.5, 0.5], [0.6, 0.4]), 1e-7);
    }

    [Fact]
    public void Index_Deciles_MatchesTheHandComputedValue()
    {
        // Training: ten deciles of 0.1. Serving: the top two deciles doubled (0.2 each), the bottom two halved (0.05 each).
        // Four bins move: 2·(0.1)·ln 2 + 2·(−0.05)·ln 0.5 = 0.1386294 + 0.0693147 = 0.2079442.
        double[] training = [.. Enumerable.Repeat(0.1, 10)];
        double[] serving = [0.05, 0.05, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.2, 0.2];

        Assert.Equal(0.2079442, PopulationStability.Index(training, serving), 6);
    }

    [Fact]
    public void Index_SameDistribution_IsZero()
    {
        Assert.Equal(0, PopulationStability.Index([0.2, 0.3, 0.5], [20L, 30, 50]), 12);
    }

    [Fact]
    public void Index_EmptyBin_IsLargeButFinite()
    {
        var psi = PopulationStability.Index([0.5, 0.5], [1.0, 0.0]);

        // 0.5·ln 2 + (1e-4 − 0.5)·ln(1e-4 / 0.5) = 0.3465736 + 4.2577449 = 4.6043185
        Assert.Equal(4.6043185, psi, 6);
    }

    [Fact]
    public void Record_RawJsonValues_LandInTheTrainingBins()
    {
        var profile = DriftProfile.From(DriftManifest())!;
        var counts = new long[profile.BinCount];

        string[] rows =
        [
            """{"x": 0.5, "color": "red"}""",     // x ≤ 1            red
            """{"x": 1, "color": " blue "}""",    // x ≤ 1 (edge)     blue (trimmed)
            """{"x": "1.5", "color": "green"}""", // (1, 2] as text   other
            """{"x": 2.5, "color": null}""",      // (2, 3]           missing
            """{"x": 3.5, "color": "NA"}""",      // > 3              missing (token)
            """{"x": null, "color": 7}""",        // missing          other (a number's text)
            """{"x": true, "color": "Red"}""",    // 1 → x ≤ 1        other (case matters)
        ];
        foreach (var row in rows)
        {
            profile.Record(JsonDocument.Parse(row).RootElement, counts);
        }

        Assert.Equal(["x", "color"], profile.Features.Select(f => f.Name));
        Assert.Equal([3L, 1, 1, 1, 1], counts[..5]);   // ≤1, (1,2], (2,3], >3, missing
        Assert.Equal([1L, 1, 3, 2], counts[5..]);      // red, blue, other, missing
        Assert.Equal(["≤ 1", "(1, 2]", "(2, 3]", "> 3", "(missing)"], profile.Features[0].BinLabels);
    }

    [Fact]
    public void Stats_KnownServingDistribution_ReportsHandComputedPsiAndFlagsTheDriftedFeature()
    {
        var time = new ManualTimeProvider();
        var monitor = new ModelMonitor(new MonitoringOptions(), time, new ServingMetrics());
        var served = new ServedModel("shop", "1", new TrainedModel(DriftManifest(), TestModels.Iris.Pipeline, TestModels.Iris.Predictor));

        // x: 40 rows ≤ 1 and 20 in each other bin; color: always red.
        var xs = Enumerable.Repeat(0.5, 40).Concat(Enumerable.Repeat(1.5, 20)).Concat(Enumerable.Repeat(2.5, 20)).Concat(Enumerable.Repeat(3.5, 20));
        var body = JsonDocument.Parse($$"""{"instances": [{{string.Join(",", xs.Select(x => $$"""{"x": {{x.ToString(System.Globalization.CultureInfo.InvariantCulture)}}, "color": "red"}"""))}}]}""").RootElement;
        var rows = PredictionRows.From(body, 1000);
        monitor.RecordSuccess(served, rows, new float[rows.Rows.Count * 3], TimeSpan.FromMilliseconds(1));

        var drift = monitor.GetStats("shop").Versions.Single().Drift!;

        // x: (0.4 − 0.25)·ln(0.4/0.25) + 3·(0.2 − 0.25)·ln(0.2/0.25) = 0.0705006 + 0.0334715 = 0.1039721; missing: 0 vs 0 adds nothing.
        var x = drift.Features.Single(f => f.Name == "x");
        Assert.Equal(0.1039721, x.Psi, 6);
        Assert.False(x.Drifted);

        // color: (1 − 0.5)·ln 2 + (1e-4 − 0.3)·ln(1e-4/0.3) + 2·(1e-4 − 0.1)·ln(1e-4/0.1) = 0.3465736 + 2.4011096 + 1.3801695 = 4.1278527
        var color = drift.Features.Single(f => f.Name == "color");
        Assert.Equal(4.1278527, color.Psi, 6);
        Assert.True(color.Drifted);

        Assert.Equal((0.1039721 + 4.1278527) / 2, drift.Psi, 6);
        Assert.Equal((100L, true, true), (drift.Rows, drift.EnoughRows, drift.Drifted));
        Assert.Equal(0.4, x.Bins[0].Actual, 12);
        Assert.Equal(0.25, x.Bins[0].Expected, 12);
    }

    [Fact]
    public void Stats_TooFewRows_ReportsPsiButFlagsNothing()
    {
        var monitor = new ModelMonitor(new MonitoringOptions { DriftMinRows = 100 }, new ManualTimeProvider(), new ServingMetrics());
        var served = new ServedModel("shop", "1", new TrainedModel(DriftManifest(), TestModels.Iris.Pipeline, TestModels.Iris.Predictor));
        var rows = PredictionRows.From(JsonDocument.Parse("""{"x": 9, "color": "green"}""").RootElement, 10);

        monitor.RecordSuccess(served, rows, new float[3], TimeSpan.FromMilliseconds(1));

        var drift = monitor.GetStats("shop").Versions.Single().Drift!;
        Assert.True(drift.Psi > 1);
        Assert.Equal((false, false), (drift.EnoughRows, drift.Drifted));
    }

    [Fact]
    public void Stats_DriftSampleRate_BinsEveryNthRow()
    {
        var monitor = new ModelMonitor(new MonitoringOptions { DriftSampleRate = 0.25 }, new ManualTimeProvider(), new ServingMetrics());
        var served = new ServedModel("shop", "1", new TrainedModel(DriftManifest(), TestModels.Iris.Pipeline, TestModels.Iris.Predictor));
        var rows = PredictionRows.From(JsonDocument.Parse("""{"x": 1, "color": "red"}""").RootElement, 10);

        for (var i = 0; i < 100; i++)
        {
            monitor.RecordSuccess(served, rows, new float[3], TimeSpan.FromMilliseconds(1));
        }

        Assert.Equal(25, monitor.GetStats("shop").Versions.Single().Drift!.Rows);
    }

    [Fact]
    public void Stats_DriftMaxRowsPerBucket_StopsBinningUntilTheNextBucket()
    {
        var time = new ManualTimeProvider();
        var monitor = new ModelMonitor(new MonitoringOptions { DriftMaxRowsPerBucket = 10 }, time, new ServingMetrics());
        var served = new ServedModel("shop", "1", new TrainedModel(DriftManifest(), TestModels.Iris.Pipeline, TestModels.Iris.Predictor));
        var rows = PredictionRows.From(JsonDocument.Parse("""{"x": 1, "color": "red"}""").RootElement, 10);

        for (var i = 0; i < 50; i++)
        {
            monitor.RecordSuccess(served, rows, new float[3], TimeSpan.FromMilliseconds(1));
        }

        time.Advance(TimeSpan.FromMinutes(1));
        for (var i = 0; i < 50; i++)
        {
            monitor.RecordSuccess(served, rows, new float[3], TimeSpan.FromMilliseconds(1));
        }

        var stats = monitor.GetStats("shop").Versions.Single();
        Assert.Equal((100L, 20L), (stats.Requests, stats.Drift!.Rows));
    }

    [Fact]
    public void From_TrainedSampleModel_HasADecileProfilePerNumericInput()
    {
        var profile = DriftProfile.From(TestModels.Iris.Manifest)!;

        Assert.Equal(["sepal_length", "sepal_width", "petal_length", "petal_width"], profile.Features.Select(f => f.Name));
        Assert.All(profile.Features, f => Assert.Equal(1.0, f.Expected.Sum(), 6));
    }

    [Fact]
    public void From_ManifestWithoutFeaturization_IsNull()
    {
        Assert.Null(DriftProfile.From(TestModels.Iris.Manifest with { Featurization = null }));
    }

    /// <summary>An input x with decile-like edges 1, 2, 3 (a quarter of training in each bin) and a categorical color.</summary>
    internal static ModelManifest DriftManifest()
    {
        var description = new FeaturizationDescription(false, 10, 8, false, 100, 4,
        [
            new FeatureDescription("x", ColumnKind.Numeric, 0, 1, 0,
                new NumericFeatureDescription(100, 2, 1, null, 0, 4, false, [1.0, 2.0, 3.0], [0.25, 0.25, 0.25, 0.25]), null, null),
            new FeatureDescription("color", ColumnKind.Categorical, 1, 3, 0.1,
                null, new CategoricalFeatureDescription(["red", "blue"], [0.5, 0.3], 0.1), null),
        ]);
        return TestModels.Iris.Manifest with
        {
            Name = "shop",
            Featurization = JsonSerializer.SerializeToElement(description, ModelManifest.JsonOptions),
        };
    }
}

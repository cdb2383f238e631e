using System.Text.Json;
using FunctionsMl.Engine.Models;

namespace FunctionsMl.Engine.Tests.Models;

public sealed class ModelBuilderTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 22, 2, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData("iris", "accuracy", 0.9)]
    [InlineData("breast-cancer", "auc", 0.97)]
    public async Task Train_SampleClassifier_MeetsQualityAndRoundTrips(string name, string metric, double atLeast)
    {
        var (definition, data) = await SampleModels.LoadAsync(name);

        var result = new ModelBuilder(new FixedTime(Now)).Train(definition, data, "fingerprint");

        Assert.True(result.Holdout.Metrics[metric] >= atLeast, $"{metric} {result.Holdout.Metrics[metric]} < {atLeast}");
        AssertRoundTripPredictsIdentically(result);
    }

    [Fact]
    public async Task Train_SampleRegression_BeatsTheMeanAndRoundTrips()
    {
        var (definition, data) = await SampleModels.LoadAsync("diabetes");

        var result = new ModelBuilder(new FixedTime(Now)).Train(definition, data, "fingerprint");

        // The label's standard deviation is about 77; a useful model does clearly better.
        Assert.True(result.Holdout.Metrics[MetricNames.Rmse] < 62, $"rmse {result.Holdout.Metrics[MetricNames.Rmse]}");
        Assert.True(result.Holdout.Metrics[MetricNames.RSquared] > 0.35);
        AssertRoundTripPredictsIdentically(result);
    }

    [Fact]
    public async Task Train_Iris_ManifestDescribesTheModel()
    {
        var (definition, data) = await SampleModels.LoadAsync("iris");

        var manifest = new ModelBuilder(new FixedTime(Now)).Train(definition, data, "abc123").Model.Manifest;

        Assert.Equal("iris", manifest.Name);
        Assert.Equal(ModelTask.Multiclass, manifest.Task);
        Assert.Equal(["setosa", "versicolor", "virginica"], manifest.ClassLabels);
        Assert.Equal(["sepal_length", "sepal_width", "petal_length", "petal_width"], manifest.Inputs.Select(i => i.Name));
        Assert.Equal("gbdt", manifest.Trainer.Type);
        Assert.Equal(50, manifest.Trainer.Options.GetProperty("trees").GetInt32());
        Assert.Equal("abc123", manifest.TrainingData.Fingerprint);
        Assert.Equal(150, manifest.TrainingData.Rows);
        Assert.Equal(30, manifest.TrainingData.HoldoutRows);
        Assert.Equal(Now, manifest.CreatedAt);
        Assert.NotNull(manifest.ConfusionMatrix);
        Assert.Equal(30, manifest.ConfusionMatrix!.Sum(row => row.Sum()));
    }

    [Fact]
    public async Task Train_SameInputs_ProducesIdenticalModelFiles()
    {
        var (definition, data) = await SampleModels.LoadAsync("iris");
        var builder = new ModelBuilder(new FixedTime(Now));

        var first = builder.Train(definition, data, "f").Model.ToModelFile();
        var second = builder.Train(definition, data, "f").Model.ToModelFile();

        Assert.Equal(first, second);
    }

    [Fact]
    public async Task Train_LabelColumnMissing_NamesTheField()
    {
        var (definition, data) = await SampleModels.LoadAsync("iris");

        var error = Assert.Throws<ModelDefinitionException>(() => new ModelBuilder(TimeProvider.System).Train(definition with { Label = "kind" }, data, "f"));

        Assert.Equal("label", error.Field);
        Assert.Contains("'kind'", error.Message);
    }

    [Fact]
    public async Task Train_SingleClass_IsRefused()
    {
        var (definition, data) = await SampleModels.LoadAsync("iris");
        var setosaRows = Enumerable.Range(0, data.RowCount).Where(r => data["species"].Strings![r] == "setosa").ToArray();

        var error = Assert.Throws<ModelDefinitionException>(() => new ModelBuilder(TimeProvider.System).Train(definition, data.SelectRows(setosaRows), "f"));

        Assert.Contains("at least two classes", error.Message);
    }

    [Fact]
    public async Task Train_BinaryTaskWithThreeClasses_IsRefused()
    {
        var (definition, data) = await SampleModels.LoadAsync("iris");

        var error = Assert.Throws<ModelDefinitionException>(() => new ModelBuilder(TimeProvider.System).Train(definition with { Task = ModelTask.Binary, Validation = definition.Validation with { Metric = MetricNames.Auc } }, data, "f"));

        Assert.Equal("task", error.Field);
    }

    [Fact]
    public async Task Train_UnknownTrainerOption_NamesTheOption()
    {
        var (definition, data) = await SampleModels.LoadAsync("iris");
        var trainer = JsonDocument.Parse("""{"type":"gbdt","treez":10}""").RootElement;

        var error = Assert.Throws<ModelDefinitionException>(() => new ModelBuilder(TimeProvider.System).Train(definition with { Trainer = new TrainerDefinition("gbdt", trainer) }, data, "f"));

        Assert.StartsWith("trainer", error.Field);
        Assert.Contains("treez", error.Message);
    }

    [Fact]
    public async Task Train_InvalidTrainerOptionValue_NamesTheOption()
    {
        var (definition, data) = await SampleModels.LoadAsync("iris");
        var trainer = JsonDocument.Parse("""{"type":"gbdt","learningRate":-1}""").RootElement;

        var error = Assert.Throws<ModelDefinitionException>(() => new ModelBuilder(TimeProvider.System).Train(definition with { Trainer = new TrainerDefinition("gbdt", trainer) }, data, "f"));

        Assert.Equal("trainer.learningRate", error.Field);
    }

    [Fact]
    public async Task Evaluate_ChampionOnHoldout_MatchesTheCandidatesOwnFigures()
    {
        var (definition, data) = await SampleModels.LoadAsync("iris");
        var result = new ModelBuilder(TimeProvider.System).Train(definition, data, "f");
        var reloaded = TrainedModel.Load(result.Model.ToModelFile());

        var evaluation = ModelEvaluator.Evaluate(reloaded, result.HoldoutRows);

        Assert.Equal(result.Holdout.Metrics, evaluation.Metrics);
        Assert.Equal(30, evaluation.Rows);
    }

    private static void AssertRoundTripPredictsIdentically(TrainingResult result)
    {
        var model = result.Model;
        var reloaded = TrainedModel.Load(model.ToModelFile());
        var features = model.Pipeline.Transform(result.HoldoutRows);
        var expected = new float[features.RowCount * model.OutputCount];
        var actual = new float[expected.Length];

        model.Predictor.PredictBatch(features, expected);
        reloaded.Predictor.PredictBatch(reloaded.Pipeline.Transform(result.HoldoutRows), actual);

        Assert.Equal(expected, actual);
        Assert.Equal(model.Manifest.Metrics, reloaded.Manifest.Metrics);
    }

    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}

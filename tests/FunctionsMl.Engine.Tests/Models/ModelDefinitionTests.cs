using FunctionsMl.Engine.Data;
using FunctionsMl.Engine.Models;

namespace FunctionsMl.Engine.Tests.Models;

public sealed class ModelDefinitionTests
{
    [Fact]
    public void Parse_FullDefinition_ReadsEveryField()
    {
        var definition = ModelDefinition.Parse("""
            {
              "name": "iris", "task": "multiclass", "label": "species",
              "features": { "sepal_length": "numeric", "color": "categorical", "review": "text" },
              "trainer": { "type": "gbdt", "trees": 100, "leaves": 31, "learningRate": 0.1, "seed": 1 },
              "data": "data/",
              "validation": { "holdout": 0.25, "metric": "macroF1", "minImprovement": 0.01, "minimum": 0.8 },
              "schedule": "0 0 2 * * *"
            }
            """);

        Assert.Equal("iris", definition.Name);
        Assert.Equal(ModelTask.Multiclass, definition.Task);
        Assert.Equal(ColumnKind.Text, definition.Features!["review"]);
        Assert.Equal("gbdt", definition.Trainer.Type);
        Assert.Equal(0.25, definition.Validation.Holdout);
        Assert.Equal(MetricNames.MacroF1, definition.Validation.Metric);
        Assert.Equal(0.8, definition.Validation.Minimum);
        Assert.Equal("0 0 2 * * *", definition.Schedule);
    }

    [Fact]
    public void Parse_MinimalDefinition_FillsDefaults()
    {
        var definition = ModelDefinition.Parse("""{"name":"house","task":"regression","label":"price","trainer":{"type":"linear"}}""");

        Assert.Null(definition.Features);
        Assert.Equal("data/", definition.Data);
        Assert.Equal(MetricNames.Rmse, definition.Validation.Metric);
        Assert.Equal(0.2, definition.Validation.Holdout);
        Assert.Null(definition.Validation.Minimum);
        Assert.Null(definition.Schedule);
    }

    [Theory]
    [InlineData("""{"task":"binary","label":"y","trainer":{"type":"gbdt"}}""", "name")]
    [InlineData("""{"name":"Bad Name","task":"binary","label":"y","trainer":{"type":"gbdt"}}""", "name")]
    [InlineData("""{"name":"m","task":"ranking","label":"y","trainer":{"type":"gbdt"}}""", "task")]
    [InlineData("""{"name":"m","task":"binary","trainer":{"type":"gbdt"}}""", "label")]
    [InlineData("""{"name":"m","task":"binary","label":"y"}""", "trainer")]
    [InlineData("""{"name":"m","task":"binary","label":"y","trainer":{"type":"forest"}}""", "trainer.type")]
    [InlineData("""{"name":"m","task":"binary","label":"y","trainer":{"type":"gbdt"},"features":{"x":"date"}}""", "features.x")]
    [InlineData("""{"name":"m","task":"binary","label":"y","trainer":{"type":"gbdt"},"validation":{"holdout":1.5}}""", "validation.holdout")]
    [InlineData("""{"name":"m","task":"regression","label":"y","trainer":{"type":"gbdt"},"validation":{"metric":"auc"}}""", "validation.metric")]
    [InlineData("""{"name":"m","task":"binary","label":"y","trainer":{"type":"gbdt"},"schedul":"0 0 2 * * *"}""", "schedul")]
    [InlineData("""[1, 2]""", "$")]
    [InlineData("""{"name": """, "$")]
    public void Parse_InvalidDefinition_NamesTheField(string json, string field)
    {
        var error = Assert.Throws<ModelDefinitionException>(() => ModelDefinition.Parse(json));

        Assert.Equal(field, error.Field);
    }

    [Theory]
    [InlineData("logLoss", true)]
    [InlineData("rmse", true)]
    [InlineData("mae", true)]
    [InlineData("accuracy", false)]
    [InlineData("auc", false)]
    [InlineData("r2", false)]
    public void IsLowerBetter_KnowsEachMetricsDirection(string metric, bool lowerIsBetter) =>
        Assert.Equal(lowerIsBetter, MetricNames.IsLowerBetter(metric));
}

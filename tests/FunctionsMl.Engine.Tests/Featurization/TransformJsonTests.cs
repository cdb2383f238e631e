using System.Text.Json;
using FunctionsMl.Engine.Data;
using FunctionsMl.Engine.Featurization;

namespace FunctionsMl.Engine.Tests.Featurization;

public class TransformJsonTests
{
    private static readonly FeaturePipeline Pipeline = FeaturePipeline.Fit(
        new DataTable(
        [
            DataColumn.Numeric("age", [30f, 40f, float.NaN]),
            DataColumn.Categorical("color", ["red", "blue", "7"]),
            DataColumn.Text("note", ["good", null, "bad"]),
        ]),
        [new FeatureSpec("age", ColumnKind.Numeric), new FeatureSpec("color", ColumnKind.Categorical), new FeatureSpec("note", ColumnKind.Text)],
        new FeaturizerOptions { TextHashBits = 4 });

    [Fact]
    public void TransformJson_ValidRow_WritesFeatures()
    {
        var features = Transform("""{"note": "good good", "color": "blue", "age": 41.5}""");

        Assert.Equal(41.5f, features[0]);
        // Every category was seen once, so they are in ordinal order.
        Assert.Equal(["age", "color=7", "color=blue", "color=red", "color=<other>"], Pipeline.OutputNames.Take(5));
        Assert.Equal([0f, 1f, 0f, 0f], features[1..5]);
    }

    [Fact]
    public void TransformJson_NullValues_AreMissing()
    {
        var features = Transform("""{"age": null, "color": null, "note": null}""");

        Assert.True(float.IsNaN(features[0]));
        Assert.All(features[1..], v => Assert.Equal(0f, v));
    }

    [Theory]
    [InlineData("\"12.5\"", 12.5f)]
    [InlineData("\" 12.5 \"", 12.5f)]
    [InlineData("\"NA\"", float.NaN)]
    [InlineData("\"\"", float.NaN)]
    [InlineData("true", 1f)]
    [InlineData("false", 0f)]
    [InlineData("1e2", 100f)]
    public void TransformJson_NumericInput_AcceptsNumbersNumericStringsAndBooleans(string json, float expected)
    {
        var features = Transform($$"""{"age": {{json}}, "color": "red", "note": "x"}""");

        Assert.Equal(expected, features[0]);
    }

    [Fact]
    public void TransformJson_NumberForCategorical_UsesItsText()
    {
        var asNumber = Transform("""{"age": 1, "color": 7, "note": "x"}""");
        var asString = Transform("""{"age": 1, "color": "7", "note": "x"}""");

        Assert.Equal(asString, asNumber);
        Assert.Equal(1f, asNumber[1 + Pipeline.OutputNames.Skip(1).ToList().IndexOf("color=7")]);
    }

    [Fact]
    public void TransformJson_EscapedNameAndValue_Matched()
    {
        var escaped = Transform("""{"\u0061ge": 2, "color": "r\u0065d", "note": "x"}""");
        var plain = Transform("""{"age": 2, "color": "red", "note": "x"}""");

        Assert.Equal(plain, escaped);
    }

    [Theory]
    [InlineData("""{"color": "red", "note": "x"}""", "age", "Field 'age' is missing; send null if its value is unknown.")]
    [InlineData("""{"note": "x"}""", "age", "Fields 'age', 'color' are missing; send null for a value that is unknown.")]
    [InlineData("""{"age": 1, "color": "red", "note": "x", "extra": 1}""", "extra", "Unknown field 'extra'. The inputs are: age, color, note.")]
    [InlineData("""{"age": "old", "color": "red", "note": "x"}""", "age", "Field 'age' must be a number; \"old\" is not.")]
    [InlineData("""{"age": "Infinity", "color": "red", "note": "x"}""", "age", "Field 'age' must be a number; \"Infinity\" is not.")]
    [InlineData("""{"age": 1e39, "color": "red", "note": "x"}""", "age", "Field 'age' must be a number; \"1e39\" is not.")]
    [InlineData("""{"age": {"v": 1}, "color": "red", "note": "x"}""", "age", "Field 'age' must be a number, not an object.")]
    [InlineData("""{"age": 1, "color": ["red"], "note": "x"}""", "color", "Field 'color' must be a string, a number or null, not an array.")]
    [InlineData("""{"age": 1, "color": "red", "note": {}}""", "note", "Field 'note' must be a string or null, not an object.")]
    [InlineData("""{"age": 1, "age": 2, "color": "red", "note": "x"}""", "age", "Field 'age' appears more than once.")]
    [InlineData("""[1, 2]""", "$", "Expected a JSON object with a field per input, got an array.")]
    public void TransformJson_BadRow_ThrowsNamingField(string json, string field, string message)
    {
        var error = Assert.Throws<FeatureInputException>(() => Transform(json));

        Assert.Equal(field, error.Field);
        Assert.Equal(message, error.Message);
        Assert.Null(error.LineNumber);
    }

    [Fact]
    public void TransformJson_UnknownFieldsAllowed_Ignored()
    {
        using var document = JsonDocument.Parse("""{"id": {"nested": true}, "age": 1, "color": "red", "note": "x"}""");
        var features = new float[Pipeline.OutputLength];

        Pipeline.TransformJson(document.RootElement, features, allowUnknownFields: true);

        Assert.Equal(1f, features[0]);
    }

    [Fact]
    public void TransformJson_ShortDestination_Throws()
    {
        using var document = JsonDocument.Parse("""{"age": 1, "color": "red", "note": "x"}""");

        Assert.Throws<ArgumentException>(() => Pipeline.TransformJson(document.RootElement, new float[Pipeline.OutputLength - 1]));
    }

    [Fact]
    public void TransformJson_NumericRow_AllocatesNothing()
    {
        var pipeline = FeaturePipeline.Fit(
            new DataTable([DataColumn.Numeric("a", [1f, 2f]), DataColumn.Numeric("b", [3f, 4f])]),
            [new FeatureSpec("a", ColumnKind.Numeric), new FeatureSpec("b", ColumnKind.Numeric)],
            new FeaturizerOptions { Standardize = true });
        using var document = JsonDocument.Parse("""{"b": 3.25, "a": "1.5"}""");
        var row = document.RootElement;
        var features = new float[pipeline.OutputLength];
        pipeline.TransformJson(row, features);

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 100; i++)
        {
            pipeline.TransformJson(row, features);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal([0f, -0.5f], features);
    }

    private static float[] Transform(string json)
    {
        using var document = JsonDocument.Parse(json);
        var features = new float[Pipeline.OutputLength];
        Pipeline.TransformJson(document.RootElement, features);
        return features;
    }
}

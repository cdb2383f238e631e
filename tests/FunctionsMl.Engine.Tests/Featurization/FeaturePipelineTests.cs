using FunctionsMl.Engine.Data;
using FunctionsMl.Engine.Featurization;

namespace FunctionsMl.Engine.Tests.Featurization;

public class FeaturePipelineTests
{
    private static readonly FeaturizerOptions Trees = new();
    private static readonly FeaturizerOptions Linear = new() { Standardize = true };

    [Fact]
    public void Fit_Categorical_OneHotOverMostFrequentPlusOther()
    {
        var table = new DataTable([DataColumn.Categorical("color", ["red", "green", "red", "blue", null, "red", "blue", "green", "pink"])]);

        var pipeline = FeaturePipeline.Fit(table, [new FeatureSpec("color", ColumnKind.Categorical)], new FeaturizerOptions { MaxCategories = 2 });
        var matrix = pipeline.Transform(new DataTable([DataColumn.Categorical("color", ["red", "blue", "green", "purple", null, " red "])]));

        // blue and green tie at 2; ordinal order keeps blue.
        Assert.Equal(["color=red", "color=blue", "color=<other>"], pipeline.OutputNames);
        Assert.Equal([1f, 0, 0], matrix.Row(0).ToArray());
        Assert.Equal([0f, 1, 0], matrix.Row(1).ToArray());
        Assert.Equal([0f, 0, 1], matrix.Row(2).ToArray()); // seen in training, not kept
        Assert.Equal([0f, 0, 1], matrix.Row(3).ToArray()); // never seen
        Assert.Equal([0f, 0, 0], matrix.Row(4).ToArray()); // missing
        Assert.Equal([1f, 0, 0], matrix.Row(5).ToArray()); // trimmed
    }

    [Fact]
    public void Describe_Categorical_SharesOfAllRows()
    {
        var table = new DataTable([DataColumn.Categorical("c", ["a", "a", "b", "c", null])]);

        var pipeline = FeaturePipeline.Fit(table, [new FeatureSpec("c", ColumnKind.Categorical)], new FeaturizerOptions { MaxCategories = 2 });
        var description = pipeline.Describe().Inputs[0];

        Assert.Equal(["a", "b"], description.Categorical!.Categories);
        Assert.Equal([0.4, 0.2], description.Categorical.Shares);
        Assert.Equal(0.2, description.Categorical.OtherShare, 12);
        Assert.Equal(0.2, description.MissingShare, 12);
        Assert.Equal("a", pipeline.ExampleRow["c"]);
    }

    [Fact]
    public void Transform_NumericWithoutStandardizing_PassesValuesAndKeepsNaN()
    {
        var table = new DataTable([DataColumn.Numeric("x", [1f, float.NaN, 3f])]);

        var pipeline = FeaturePipeline.Fit(table, [new FeatureSpec("x", ColumnKind.Numeric)], Trees);
        var matrix = pipeline.Transform(table);

        Assert.Equal([1f, float.NaN, 3f], matrix.Values);
        Assert.Null(pipeline.Describe().Inputs[0].Numeric!.ImputedValue);
    }

    [Fact]
    public void Transform_Standardized_ImputesMeanThenScalesByPopulationStd()
    {
        var table = new DataTable([DataColumn.Numeric("x", [1f, 2f, 3f, float.NaN, 6f])]);

        var pipeline = FeaturePipeline.Fit(table, [new FeatureSpec("x", ColumnKind.Numeric)], Linear);
        var matrix = pipeline.Transform(table);

        // mean = 12 / 4 = 3; variance = (4 + 1 + 0 + 9) / 4 = 3.5.
        var std = Math.Sqrt(3.5);
        Assert.Equal((float)(-2 / std), matrix[0, 0]);
        Assert.Equal((float)(-1 / std), matrix[1, 0]);
        Assert.Equal(0f, matrix[2, 0]);
        Assert.Equal(0f, matrix[3, 0]); // missing: the mean, which scales to 0
        Assert.Equal((float)(3 / std), matrix[4, 0]);
        var numeric = pipeline.Describe().Inputs[0].Numeric!;
        Assert.Equal(3, numeric.Mean);
        Assert.Equal(std, numeric.Std, 12);
        Assert.Equal(3, numeric.ImputedValue);
    }

    [Fact]
    public void Transform_StandardizedConstantColumn_DividesByOne()
    {
        var train = new DataTable([DataColumn.Numeric("x", [0.1f, 0.1f, 0.1f])]);

        var pipeline = FeaturePipeline.Fit(train, [new FeatureSpec("x", ColumnKind.Numeric)], Linear);
        var matrix = pipeline.Transform(new DataTable([DataColumn.Numeric("x", [0.1f, 1.1f])]));

        Assert.Equal(0f, matrix[0, 0]);
        Assert.Equal(1f, matrix[1, 0], 6);
        Assert.Equal(0, pipeline.Describe().Inputs[0].Numeric!.Std);
    }

    [Fact]
    public void Describe_Numeric_DecileBinsAndExample()
    {
        var values = Enumerable.Range(1, 100).Select(i => (float)i).Append(float.NaN).ToArray();
        var table = new DataTable([DataColumn.Numeric("x", values)]);

        var pipeline = FeaturePipeline.Fit(table, [new FeatureSpec("x", ColumnKind.Numeric)], Trees);
        var numeric = pipeline.Describe().Inputs[0].Numeric!;

        Assert.Equal([10.0, 20, 30, 40, 50, 60, 70, 80, 90], numeric.BinEdges);
        Assert.All(numeric.BinShares, share => Assert.Equal(10.0 / 101, share, 12));
        Assert.Equal(1.0, numeric.BinShares.Sum() + pipeline.Describe().Inputs[0].MissingShare, 12);
        Assert.Equal(0, numeric.FindBin(10));
        Assert.Equal(1, numeric.FindBin(10.5));
        Assert.Equal(9, numeric.FindBin(1000));
        Assert.Equal((1.0, 100.0), (numeric.Min!.Value, numeric.Max!.Value));
        Assert.Equal(51.0, pipeline.ExampleRow["x"]); // integers: the mean 50.5 rounded
    }

    [Fact]
    public void ExampleRow_NonIntegerMean_RoundedToFourSignificantDigits()
    {
        var table = new DataTable([DataColumn.Numeric("x", [0.123456f, 0.123456f])]);

        var pipeline = FeaturePipeline.Fit(table, [new FeatureSpec("x", ColumnKind.Numeric)], Trees);

        Assert.Equal(0.1235, pipeline.ExampleRow["x"]);
    }

    [Fact]
    public void ExampleRow_NoTrainingValues_Null()
    {
        var table = new DataTable([DataColumn.Numeric("x", [float.NaN]), DataColumn.Categorical("c", [null]), DataColumn.Text("t", ["NA"])]);

        var pipeline = FeaturePipeline.Fit(table, [.. table.Columns.Select(c => new FeatureSpec(c.Name, c.Kind))], Trees);

        Assert.All(pipeline.ExampleRow.Values, Assert.Null);
        Assert.Equal(["x", "c", "t"], pipeline.ExampleRow.Keys);
    }

    [Fact]
    public void Transform_Text_HashedCountsWithUnitNorm()
    {
        var table = new DataTable([DataColumn.Text("review", ["Great phone, GREAT battery!", null, "!!!"])]);
        var options = new FeaturizerOptions { TextHashBits = 16 };

        var pipeline = FeaturePipeline.Fit(table, [new FeatureSpec("review", ColumnKind.Text)], options);
        var matrix = pipeline.Transform(table);

        // great×2, phone, battery, and pairs "great phone", "phone great", "great battery": counts 2,1,1,1,1,1.
        var expected = new float[1 << 16];
        foreach (var term in new[] { "great", "phone", "great", "battery", "great phone", "phone great", "great battery" })
        {
            expected[ReferenceBucket(term, 16)] += 1;
        }

        var norm = (float)Math.Sqrt(expected.Sum(v => v * v));
        var row = matrix.Row(0).ToArray();
        Assert.Equal(Math.Sqrt(4 + 1 + 1 + 1 + 1 + 1), norm, 5);
        Assert.Equal(expected.Select(v => v / norm), row, (a, b) => Math.Abs(a - b) < 1e-6);
        Assert.Equal(1.0, Math.Sqrt(row.Sum(v => (double)v * v)), 6);
        Assert.All(matrix.Row(1).ToArray(), v => Assert.Equal(0f, v));
        Assert.All(matrix.Row(2).ToArray(), v => Assert.Equal(0f, v));
        Assert.Equal("review#17", pipeline.OutputNames[17]);
        Assert.Equal("Great phone, GREAT battery!", pipeline.ExampleRow["review"]);
    }

    [Fact]
    public void Transform_TextWithoutBigrams_CountsWordsOnly()
    {
        var table = new DataTable([DataColumn.Text("t", ["b a"])]);
        var options = new FeaturizerOptions { TextHashBits = 16, TextBigrams = false };

        var pipeline = FeaturePipeline.Fit(table, [new FeatureSpec("t", ColumnKind.Text)], options);
        var row = pipeline.Transform(table).Row(0);

        Assert.Equal(2, row.ToArray().Count(v => v != 0));
        Assert.Equal(1 / MathF.Sqrt(2), row[ReferenceBucket("a", 16)]);
    }

    [Fact]
    public void TextHasher_IsFnv1aOverLowerCaseUtf8()
    {
        // Published FNV-1a 32-bit values; a change here breaks every stored model with text inputs.
        Assert.Equal(0xE40C292Cu, TextHasher.Hash("a"));
        Assert.Equal(0xBF9CF968u, TextHasher.Hash("foobar"));
        Assert.Equal(TextHasher.Hash("foobar"), TextHasher.Hash("FooBar"));
        Assert.Equal(Fnv1a("köln"u8.ToArray()), TextHasher.Hash("KÖLN"));
        Assert.Equal(Fnv1a("日本"u8.ToArray()), TextHasher.Hash("日本"));
    }

    [Fact]
    public void Fit_NumericOptionsAndSpecs_Validated()
    {
        var table = new DataTable([DataColumn.Numeric("x", [1f])]);

        Assert.Throws<ArgumentOutOfRangeException>(() => FeaturePipeline.Fit(table, [new FeatureSpec("x", ColumnKind.Numeric)], new FeaturizerOptions { MaxCategories = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => FeaturePipeline.Fit(table, [new FeatureSpec("x", ColumnKind.Numeric)], new FeaturizerOptions { TextHashBits = 21 }));
        Assert.Throws<ArgumentException>(() => FeaturePipeline.Fit(table, [new FeatureSpec("x", ColumnKind.Numeric), new FeatureSpec("x", ColumnKind.Text)], Trees));
        Assert.Throws<ArgumentException>(() => FeaturePipeline.Fit(table, [], Trees));
    }

    [Fact]
    public void Fit_AbsentColumn_ThrowsNamingIt()
    {
        var table = new DataTable([DataColumn.Numeric("x", [1f]), DataColumn.Numeric("label", [0f])]);

        var error = Assert.Throws<FeatureInputException>(() => FeaturePipeline.Fit(table, [new FeatureSpec("y", ColumnKind.Numeric)], Trees));

        Assert.Equal("y", error.Field);
        Assert.Contains("no column 'y'", error.Message);
    }

    [Fact]
    public void Fit_NumericFeatureOverWords_ThrowsNamingRow()
    {
        var table = new DataTable([DataColumn.Categorical("x", ["1", "NA", "two"])]);

        var error = Assert.Throws<FeatureInputException>(() => FeaturePipeline.Fit(table, [new FeatureSpec("x", ColumnKind.Numeric)], Trees));

        Assert.Equal("x", error.Field);
        Assert.Equal("Row 3: field 'x' must be a number; \"two\" is not.", error.Message);
    }

    [Fact]
    public void Transform_ExtraColumnsAndOrder_FollowInputs()
    {
        var table = new DataTable([DataColumn.Numeric("label", [9f]), DataColumn.Categorical("c", ["a"]), DataColumn.Numeric("x", [5f])]);

        var pipeline = FeaturePipeline.Fit(table, [new FeatureSpec("x", ColumnKind.Numeric), new FeatureSpec("c", ColumnKind.Categorical)], Trees);
        var matrix = pipeline.Transform(table);

        Assert.Equal(["x", "c=a", "c=<other>"], pipeline.OutputNames);
        Assert.Equal([5f, 1f, 0f], matrix.Values);
        Assert.Equal([new FeatureSpec("x", ColumnKind.Numeric), new FeatureSpec("c", ColumnKind.Categorical)], pipeline.Inputs);
    }

    [Fact]
    public void Transform_CategoricalFeatureOverNumericColumn_UsesShortestText()
    {
        var train = new DataTable([DataColumn.Numeric("size", [1f, 2f, 2f, 1.5f])]);

        var pipeline = FeaturePipeline.Fit(train, [new FeatureSpec("size", ColumnKind.Categorical)], Trees);
        var matrix = pipeline.Transform(new DataTable([DataColumn.Categorical("size", ["1.5"])]));

        Assert.Equal(["size=2", "size=1", "size=1.5", "size=<other>"], pipeline.OutputNames);
        Assert.Equal([0f, 0f, 1f, 0f], matrix.Values);
    }

    [Fact]
    public void FeaturizerOptions_BindFromJson()
    {
        var options = System.Text.Json.JsonSerializer.Deserialize<FeaturizerOptions>(
            """{"standardize": true, "maxCategories": 5, "textHashBits": 12, "textBigrams": false}""",
            new System.Text.Json.JsonSerializerOptions(System.Text.Json.JsonSerializerDefaults.Web))!;

        Assert.Equal((true, 5, 12, false), (options.Standardize, options.MaxCategories, options.TextHashBits, options.TextBigrams));
        Assert.Equal((false, 100, 10, true), (Trees.Standardize, Trees.MaxCategories, Trees.TextHashBits, Trees.TextBigrams));
    }

    [Fact]
    public void Transform_ManyThreadsAtOnce_SameResults()
    {
        var rows = Enumerable.Range(0, 2000).ToArray();
        var table = new DataTable(
        [
            DataColumn.Numeric("x", [.. rows.Select(i => (float)(i % 17))]),
            DataColumn.Categorical("c", [.. rows.Select(i => $"c{i % 13}")]),
            DataColumn.Text("t", [.. rows.Select(i => $"word{i % 7} and word{i % 5}")]),
        ]);
        var pipeline = FeaturePipeline.Fit(table, [.. table.Columns.Select(c => new FeatureSpec(c.Name, c.Kind))], Linear);
        var expected = pipeline.Transform(table).Values;

        var results = new float[8][];
        Parallel.For(0, results.Length, i => results[i] = pipeline.Transform(table).Values);

        Assert.All(results, result => Assert.Equal(expected, result));
    }

    internal static int ReferenceBucket(string term, int bits) =>
        (int)(TextHasher.Finish(Fnv1a(System.Text.Encoding.UTF8.GetBytes(term.ToLowerInvariant()))) & ((1u << bits) - 1));

    private static uint Fnv1a(byte[] bytes)
    {
        var hash = 2166136261u;
        foreach (var b in bytes)
        {
            hash = (hash ^ b) * 16777619u;
        }

        return hash;
    }
}

using System.Text.Json;
using FunctionsMl.Engine.Data;
using FunctionsMl.Engine.Featurization;

namespace FunctionsMl.Engine.Tests.Featurization;

public class FeaturePipelineSerializationTests
{
    private static readonly DataTable Table = new(
    [
        DataColumn.Numeric("x", [1.5f, float.NaN, -2f, 8f, 0.25f, 3f]),
        DataColumn.Categorical("c", ["a", "b", "a", null, "c", "Zoë"]),
        DataColumn.Text("t", ["hello world", "bye", null, "hello again", "x", "y"]),
    ]);

    private static readonly FeatureSpec[] Specs =
        [new("x", ColumnKind.Numeric), new("c", ColumnKind.Categorical), new("t", ColumnKind.Text)];

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void WriteThenRead_SameOutputsDescriptionAndBytes(bool standardize)
    {
        var original = FeaturePipeline.Fit(Table, Specs, new FeaturizerOptions { Standardize = standardize, MaxCategories = 2, TextHashBits = 5, TextBigrams = false });
        var bytes = Write(original);

        var restored = Read(bytes);

        Assert.Equal(original.Transform(Table).Values, restored.Transform(Table).Values);
        Assert.Equal(original.OutputNames, restored.OutputNames);
        Assert.Equal(original.Inputs, restored.Inputs);
        Assert.Equal(original.ExampleRow, restored.ExampleRow);
        Assert.Equal(JsonSerializer.Serialize(original.Describe()), JsonSerializer.Serialize(restored.Describe()));
        Assert.Equal(bytes, Write(restored));
    }

    [Fact]
    public void Describe_SerializesToJsonAndBack()
    {
        var pipeline = FeaturePipeline.Fit(Table, Specs, new FeaturizerOptions { Standardize = true });
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web);

        var json = JsonSerializer.Serialize(pipeline.Describe(), options);
        var back = JsonSerializer.Deserialize<FeaturizationDescription>(json, options)!;

        Assert.Contains("\"kind\":\"categorical\"", json);
        Assert.Equal(3, back.Inputs.Count);
        Assert.Equal(pipeline.Describe().Inputs[0].Numeric!.Mean, back.Inputs[0].Numeric!.Mean);
        Assert.Equal(["a", "Zoë", "b"], back.Inputs[1].Categorical!.Categories.Take(3));
        Assert.Equal(10, back.Inputs[2].Text!.HashBits);
        Assert.Equal(pipeline.OutputLength, back.OutputLength);
    }

    [Fact]
    public void Read_Garbage_ThrowsInvalidData()
    {
        var random = new Random(3);
        var garbage = new byte[200];
        random.NextBytes(garbage);

        Assert.Throws<InvalidDataException>(() => Read(garbage));
        Assert.Throws<InvalidDataException>(() => Read([]));
    }

    [Fact]
    public void Read_EveryTruncation_ThrowsInvalidData()
    {
        var bytes = Write(FeaturePipeline.Fit(Table, Specs, new FeaturizerOptions()));

        for (var length = 0; length < bytes.Length; length++)
        {
            Assert.Throws<InvalidDataException>(() => Read(bytes[..length]));
        }
    }

    [Fact]
    public void Read_CorruptShare_ThrowsNamingInput()
    {
        var pipeline = FeaturePipeline.Fit(new DataTable([DataColumn.Categorical("color", ["a"])]), [new FeatureSpec("color", ColumnKind.Categorical)], new FeaturizerOptions());
        var bytes = Write(pipeline);
        // The last 8 bytes are the "other" share.
        BitConverter.GetBytes(2.0).CopyTo(bytes, bytes.Length - 8);

        var error = Assert.Throws<InvalidDataException>(() => Read(bytes));

        Assert.Contains("input 'color'", error.Message);
    }

    [Fact]
    public void Read_NewerVersion_ThrowsNamingVersion()
    {
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream))
        {
            writer.Write("FunctionsMl.FeaturePipeline");
            writer.Write(99);
        }

        var error = Assert.Throws<InvalidDataException>(() => Read(stream.ToArray()));

        Assert.Contains("version 99", error.Message);
    }

    private static byte[] Write(FeaturePipeline pipeline)
    {
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream))
        {
            pipeline.Write(writer);
        }

        return stream.ToArray();
    }

    private static FeaturePipeline Read(byte[] bytes)
    {
        using var reader = new BinaryReader(new MemoryStream(bytes));
        return FeaturePipeline.Read(reader);
    }
}

using System.Text;
using System.Text.Json;
using FunctionsMl.Engine.Data;
using FunctionsMl.Engine.Featurization;
using FunctionsMl.Engine.Tests.Data;

namespace FunctionsMl.Engine.Tests.Featurization;

/// <summary>A row must featurize the same whether it comes from a table, a JSON object or a file record.</summary>
public class PathConsistencyTests
{
    private const string Csv = """
        id,age,income,color,review,label
        1,34,"52,000.5",red,"Great value, would buy again",1
        2,,48000,blue,NA,0
        3,51,0.1,"",terrible,0
        4,29,1e5,green,"Okay ""I guess""
        second line",1
        5,NaN,77000.25,purple,null,1
        6,45,-3.75,red,Fantastic!,1
        """;

    private static readonly FeatureSpec[] Specs =
    [
        new("age", ColumnKind.Numeric),
        new("income", ColumnKind.Categorical),
        new("color", ColumnKind.Categorical),
        new("review", ColumnKind.Text),
    ];

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void TableJsonAndRecord_GiveIdenticalVectors(bool standardize)
    {
        var options = new DataLoadOptions { ColumnKinds = Specs.ToDictionary(s => s.Name, s => s.Kind) };
        var table = DataLoader.Read(TestStreams.Utf8(Csv), DataFormat.Csv, options);
        var pipeline = FeaturePipeline.Fit(table, Specs, new FeaturizerOptions { Standardize = standardize, MaxCategories = 3, TextHashBits = 6 });
        var fromTable = pipeline.Transform(table);

        using var reader = new CsvRecordReader(TestStreams.Utf8(Csv));
        var binding = pipeline.Bind(reader.Columns);
        var row = 0;
        var fromRecord = new float[pipeline.OutputLength];
        var fromJson = new float[pipeline.OutputLength];
        var fromJsonLines = new float[pipeline.OutputLength];
        var jsonLines = new StringBuilder();
        while (reader.TryRead(out var record))
        {
            pipeline.TransformRecord(binding, record, fromRecord);
            var json = ToJson(record, reader.Columns);
            jsonLines.AppendLine(json);
            using (var document = JsonDocument.Parse(json))
            {
                pipeline.TransformJson(document.RootElement, fromJson, allowUnknownFields: true);
            }

            AssertSame(fromTable.Row(row).ToArray(), fromRecord, $"record {row}");
            AssertSame(fromTable.Row(row).ToArray(), fromJson, $"JSON {row}");
            row++;
        }

        // A JSON-lines scorer names the inputs up front so it can bind before the first line.
        using var jsonReader = new JsonLinesRecordReader(TestStreams.Utf8(jsonLines.ToString()), pipeline.Inputs.Select(i => i.Name));
        var jsonBinding = pipeline.Bind(jsonReader.Columns);
        row = 0;
        while (jsonReader.TryRead(out var record))
        {
            pipeline.TransformRecord(jsonBinding, record, fromJsonLines);
            AssertSame(fromTable.Row(row).ToArray(), fromJsonLines, $"JSON line {row}");
            row++;
        }

        Assert.Equal(6, row);
    }

    [Fact]
    public void TransformRecord_BadNumber_ThrowsNamingFieldAndLine()
    {
        var table = DataLoader.Read(TestStreams.Utf8("a,b\n1,x\n2,y\n"), DataFormat.Csv);
        var pipeline = FeaturePipeline.Fit(table, [new FeatureSpec("a", ColumnKind.Numeric), new FeatureSpec("b", ColumnKind.Categorical)], new FeaturizerOptions());
        using var reader = new CsvRecordReader(TestStreams.Utf8("b,a\nx,1\ny,\"two\nlines\"\n"));
        var binding = pipeline.Bind(reader.Columns);
        var features = new float[pipeline.OutputLength];
        Assert.True(reader.TryRead(out var good));
        pipeline.TransformRecord(binding, good, features);
        Assert.True(reader.TryRead(out var bad));

        var error = Assert.Throws<FeatureInputException>(() => pipeline.TransformRecord(binding, bad, features));

        Assert.Equal([1, 0], binding.FieldIndexes);
        Assert.Equal("a", error.Field);
        Assert.Equal(3, error.LineNumber);
        Assert.Equal("Line 3: Field 'a' must be a number; \"two\nlines\" is not.", error.Message);
    }

    [Fact]
    public void Bind_MissingColumns_ThrowsNamingAll()
    {
        var table = new DataTable([DataColumn.Numeric("a", [1f]), DataColumn.Numeric("b", [1f]), DataColumn.Numeric("c", [1f])]);
        var pipeline = FeaturePipeline.Fit(table, [.. table.Columns.Select(c => new FeatureSpec(c.Name, c.Kind))], new FeaturizerOptions());

        var error = Assert.Throws<FeatureInputException>(() => pipeline.Bind(["b", "x"]));

        Assert.Equal("a", error.Field);
        Assert.Equal("The input has no column for the features 'a', 'c'. Its columns are: b, x.", error.Message);
    }

    [Fact]
    public void TransformRecord_BindingFromOtherPipeline_Throws()
    {
        var table = new DataTable([DataColumn.Numeric("a", [1f])]);
        var first = FeaturePipeline.Fit(table, [new FeatureSpec("a", ColumnKind.Numeric)], new FeaturizerOptions());
        var second = FeaturePipeline.Fit(table, [new FeatureSpec("a", ColumnKind.Numeric)], new FeaturizerOptions());
        using var reader = new CsvRecordReader(TestStreams.Utf8("a\n1\n"));
        Assert.True(reader.TryRead(out var record));

        Assert.Throws<ArgumentException>(() => second.TransformRecord(first.Bind(reader.Columns), record, new float[1]));
    }

    /// <summary>The record as a JSON object: numbers as JSON numbers where they are plain, everything else as strings, missing as null.</summary>
    private static string ToJson(DataRecord record, IReadOnlyList<string> columns)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            writer.WriteStartObject();
            for (var i = 0; i < record.FieldCount; i++)
            {
                var value = record.GetField(i).ToString();
                if (value.Length == 0)
                {
                    writer.WriteNull(columns[i]);
                }
                else if (value.All(c => char.IsAsciiDigit(c) || c == '.' || c == '-') && value.Any(char.IsAsciiDigit) && !value.StartsWith('.'))
                {
                    writer.WritePropertyName(columns[i]);
                    writer.WriteRawValue(value);
                }
                else
                {
                    writer.WriteString(columns[i], value);
                }
            }

            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    private static void AssertSame(float[] expected, float[] actual, string what)
    {
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.True(
                BitConverter.SingleToInt32Bits(expected[i]) == BitConverter.SingleToInt32Bits(actual[i]),
                $"{what}, feature {i}: expected {expected[i]:R}, got {actual[i]:R}");
        }
    }
}

using System.Text;
using FunctionsMl.Engine.Data;

namespace FunctionsMl.Engine.Tests.Data;

public class JsonLinesRecordReaderTests
{
    [Fact]
    public void TryRead_ValueTypes_ReadAsText()
    {
        var jsonl = """
            {"n": 1.50, "s": "red", "t": true, "f": false, "z": null, "e": -2e3}
            """;
        using var reader = new JsonLinesRecordReader(TestStreams.Utf8(jsonl));

        Assert.True(reader.TryRead(out var record));

        Assert.Equal(["n", "s", "t", "f", "z", "e"], reader.Columns);
        Assert.Equal(["1.50", "red", "1", "0", "", "-2e3"], record.ToArray());
        Assert.True(record.IsMissing(4));
        Assert.Null(record.GetString(4));
        Assert.False(record.IsMissing(0));
    }

    [Fact]
    public void TryRead_KeysVaryByLine_ColumnsAreUnionInFirstSeenOrder()
    {
        var jsonl = "{\"a\":1,\"b\":2}\n{\"c\":3,\"a\":4}\n{\"b\":5}\n";
        using var reader = new JsonLinesRecordReader(TestStreams.Utf8(jsonl));

        var records = TestStreams.ReadAll(reader);

        Assert.Equal(["a", "b", "c"], reader.Columns);
        Assert.Equal(["1", "2"], records[0].Fields);
        Assert.Equal(["4", "", "3"], records[1].Fields);
        Assert.Equal(["", "5", ""], records[2].Fields);
    }

    [Fact]
    public void TryRead_BlankLinesBomAndCrLf_SkippedWithPhysicalLineNumbers()
    {
        var jsonl = "{\"a\":1}\r\n\r\n   \r\n{\"a\":2}\r\n";
        using var reader = new JsonLinesRecordReader(TestStreams.Utf8(jsonl, bom: true));

        var records = TestStreams.ReadAll(reader);

        Assert.Equal([1L, 4L], records.Select(r => r.Line));
        Assert.Equal(["a"], reader.Columns);
    }

    [Fact]
    public void TryRead_EscapedAndUnicodeStrings_AreUnescaped()
    {
        using var reader = new JsonLinesRecordReader(TestStreams.Utf8("{\"t\\u0065xt\": \"line\\nbreak \\\"q\\\" \\u00e9 Köln\"}"));

        Assert.True(reader.TryRead(out var record));

        Assert.Equal(["text"], reader.Columns);
        Assert.Equal("line\nbreak \"q\" é Köln", record.GetField(0).ToString());
    }

    [Theory]
    [InlineData("[1,2]", "Expected a JSON object, found an array")]
    [InlineData("42", "Expected a JSON object, found a number")]
    [InlineData("{\"a\": {\"x\": 1}}", "The value is an object")]
    [InlineData("{\"a\": [1]}", "The value is an array")]
    [InlineData("{\"a\": 1, \"a\": 2}", "appears more than once")]
    [InlineData("{\"a\": 1", "Not valid JSON")]
    [InlineData("{\"a\": 1} {\"a\": 2}", "Not valid JSON")]
    [InlineData("{'a': 1}", "Not valid JSON")]
    public void TryRead_BadLine_ThrowsWithLineNumberThenContinues(string badLine, string expected)
    {
        using var reader = new JsonLinesRecordReader(TestStreams.Utf8($"{{\"a\":1}}\n\n{badLine}\n{{\"a\":3}}\n"));

        Assert.True(reader.TryRead(out _));
        var error = Assert.Throws<DataFormatException>(() => reader.TryRead(out _));
        Assert.True(reader.TryRead(out var next));

        Assert.Equal(3, error.LineNumber);
        Assert.Contains(expected, error.Message);
        Assert.Equal("3", next.GetField(0).ToString());
    }

    [Fact]
    public void TryRead_NestedValue_ErrorNamesColumn()
    {
        using var reader = new JsonLinesRecordReader(TestStreams.Utf8("{\"a\": 1, \"tags\": [\"x\"]}"));

        var error = Assert.Throws<DataFormatException>(() => reader.TryRead(out _));

        Assert.Equal("tags", error.Column);
        Assert.StartsWith("line 1, column 'tags':", error.Message);
    }

    [Fact]
    public void Constructor_KnownColumns_NumberedFirst()
    {
        using var reader = new JsonLinesRecordReader(TestStreams.Utf8("{\"z\":1,\"b\":2}"), ["a", "b"]);

        Assert.True(reader.TryRead(out var record));

        Assert.Equal(["a", "b", "z"], reader.Columns);
        Assert.Equal(["", "2", "1"], record.ToArray());
    }

    [Fact]
    public void RawText_IsTheLineAsWritten()
    {
        const string Line = "{\"name\": \"Zoë\", \"n\": 1.0}";
        using var reader = new JsonLinesRecordReader(TestStreams.Utf8(Line + "\r\n"));

        Assert.True(reader.TryRead(out var record));

        Assert.Equal(Line, record.RawText.ToString());
    }

    [Fact]
    public void TryRead_SmallChunksAndLongLine_MatchesWholeRead()
    {
        var builder = new StringBuilder();
        for (var i = 0; i < 500; i++)
        {
            builder.Append("{\"i\":").Append(i).Append(",\"s\":\"é").Append(i % 3 == 0 ? new string('w', 1000) : "").Append("\"}\n");
        }

        builder.Append("{\"big\":\"").Append(new string('b', 200_000)).Append("\"}");
        var bytes = Encoding.UTF8.GetBytes(builder.ToString());
        using var whole = new JsonLinesRecordReader(new MemoryStream(bytes));
        using var trickle = new JsonLinesRecordReader(new TrickleStream(bytes, 7));

        var expected = TestStreams.ReadAll(whole);
        var actual = TestStreams.ReadAll(trickle);

        Assert.Equal(501, actual.Count);
        Assert.Equal(expected.Select(r => string.Join("|", r.Fields)), actual.Select(r => string.Join("|", r.Fields)));
        Assert.Equal(200_000, actual[^1].Fields[2].Length);
    }
}

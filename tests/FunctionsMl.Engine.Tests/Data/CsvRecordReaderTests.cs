using System.Text;
using FunctionsMl.Engine.Data;

namespace FunctionsMl.Engine.Tests.Data;

public class CsvRecordReaderTests
{
    [Theory]
    [InlineData("a,b\n1,2\n3,4\n")]
    [InlineData("a,b\r\n1,2\r\n3,4\r\n")]
    [InlineData("a,b\r1,2\r3,4\r")]
    [InlineData("a,b\n1,2\n3,4")]
    public void TryRead_AnyLineEnding_ReadsSameRecords(string csv)
    {
        using var reader = new CsvRecordReader(TestStreams.Utf8(csv));

        var records = TestStreams.ReadAll(reader);

        Assert.Equal(["a", "b"], reader.Columns);
        Assert.Equal(2, records.Count);
        Assert.Equal([2L, 3L], records.Select(r => r.Line));
        Assert.Equal(["1", "2"], records[0].Fields);
        Assert.Equal(["3", "4"], records[1].Fields);
    }

    [Fact]
    public void TryRead_QuotedFields_UnquotesCommasQuotesAndNewlines()
    {
        var csv = "id,text\n1,\"a, b\"\n2,\"say \"\"hi\"\"\"\n3,\"two\nlines\"\n4,\"\"\n5,plain\n";
        using var reader = new CsvRecordReader(TestStreams.Utf8(csv));

        var records = TestStreams.ReadAll(reader);

        Assert.Equal(["a, b", "say \"hi\"", "two\nlines", "", "plain"], records.Select(r => r.Fields[1]));
        // The record after the embedded newline starts one physical line later.
        Assert.Equal([2L, 3L, 4L, 6L, 7L], records.Select(r => r.Line));
    }

    [Fact]
    public void TryRead_CrLfInsideQuotes_KeptVerbatimAndCountedAsOneLine()
    {
        using var reader = new CsvRecordReader(TestStreams.Utf8("a,b\r\n\"x\r\ny\",1\r\nz,2\r\n"));

        var records = TestStreams.ReadAll(reader);

        Assert.Equal("x\r\ny", records[0].Fields[0]);
        Assert.Equal(4, records[1].Line);
    }

    [Fact]
    public void Constructor_Utf8Bom_IsNotPartOfFirstColumnName()
    {
        using var reader = new CsvRecordReader(TestStreams.Utf8("name,city\nZoë,Köln\n", bom: true));

        var records = TestStreams.ReadAll(reader);

        Assert.Equal(["name", "city"], reader.Columns);
        Assert.Equal(["Zoë", "Köln"], records[0].Fields);
    }

    [Fact]
    public void TryRead_TrailingComma_GivesEmptyLastField()
    {
        using var reader = new CsvRecordReader(TestStreams.Utf8("a,b\n1,\n2,"));

        var records = TestStreams.ReadAll(reader);

        Assert.Equal(["1", ""], records[0].Fields);
        Assert.Equal(["2", ""], records[1].Fields);
        Assert.True(records.Count == 2);
    }

    [Fact]
    public void TryRead_EmptyLines_AreSkippedButCounted()
    {
        using var reader = new CsvRecordReader(TestStreams.Utf8("\na,b\n\n1,2\r\n\r\n3,4\n\n"));

        var records = TestStreams.ReadAll(reader);

        Assert.Equal([4L, 6L], records.Select(r => r.Line));
    }

    [Fact]
    public void RawText_IsTheRecordAsWritten()
    {
        using var reader = new CsvRecordReader(TestStreams.Utf8("a,b\r\n\"x,\"\"y\"\"\",2\r\n"));

        Assert.True(reader.TryRead(out var record));

        Assert.Equal("\"x,\"\"y\"\"\",2", record.RawText.ToString());
        Assert.Equal("x,\"y\"", record.GetField(0).ToString());
    }

    [Fact]
    public void TryRead_WrongFieldCount_ThrowsWithLineThenContinues()
    {
        using var reader = new CsvRecordReader(TestStreams.Utf8("a,b\n1,2\n\"multi\nline\",2,3\n4,5\n"));

        Assert.True(reader.TryRead(out _));
        var error = Assert.Throws<DataFormatException>(() => reader.TryRead(out _));
        Assert.True(reader.TryRead(out var next));

        Assert.Equal(3, error.LineNumber);
        Assert.Contains("Expected 2 fields", error.Message);
        Assert.Contains("found 3", error.Message);
        Assert.StartsWith("line 3:", error.Message);
        Assert.Equal(["4", "5"], next.ToArray());
        Assert.Equal(5, next.LineNumber);
    }

    [Fact]
    public void TryRead_UnterminatedQuote_ThrowsWithStartLineThenEnds()
    {
        using var reader = new CsvRecordReader(TestStreams.Utf8("a,b\n1,2\n3,\"never\nclosed\n5,6\n"));

        Assert.True(reader.TryRead(out _));
        var error = Assert.Throws<DataFormatException>(() => reader.TryRead(out _));

        Assert.Equal(3, error.LineNumber);
        Assert.Contains("Field 2 opens a quote that is never closed", error.Message);
        Assert.False(reader.TryRead(out _));
    }

    [Fact]
    public void TryRead_QuoteInsideUnquotedField_Throws()
    {
        using var reader = new CsvRecordReader(TestStreams.Utf8("a,b\n1,5'10\"\n"));

        var error = Assert.Throws<DataFormatException>(() => reader.TryRead(out _));

        Assert.Equal(2, error.LineNumber);
        Assert.Contains("Field 2 has a quote inside an unquoted value", error.Message);
    }

    [Fact]
    public void TryRead_TextAfterClosingQuote_Throws()
    {
        using var reader = new CsvRecordReader(TestStreams.Utf8("a,b\n1,2\n\"x\"y,2\n"));

        Assert.True(reader.TryRead(out _));
        var error = Assert.Throws<DataFormatException>(() => reader.TryRead(out _));

        Assert.Equal(3, error.LineNumber);
        Assert.Contains("Field 1 has 'y' after its closing quote", error.Message);
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("\n\n", "empty")]
    [InlineData("a,,c\n", "Header column 2 has no name")]
    [InlineData("a,b,a\n", "'a' more than once")]
    public void Constructor_BadHeader_Throws(string csv, string expected)
    {
        var error = Assert.Throws<DataFormatException>(() => new CsvRecordReader(TestStreams.Utf8(csv)));

        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void Constructor_BadHeader_DisposesStream()
    {
        var stream = TestStreams.Utf8("a,\"b\n");

        Assert.Throws<DataFormatException>(() => new CsvRecordReader(stream));

        Assert.False(stream.CanRead);
    }

    [Fact]
    public void TryRead_OneByteAtATime_MatchesWholeRead()
    {
        var csv = "name,note\r\n\"Zoë\",\"a\r\nb\"\r\n€uro,\"x\"\"y\"\r\n\r\n😀,z\r";
        var bytes = Encoding.UTF8.GetBytes(csv);
        using var whole = new CsvRecordReader(new MemoryStream(bytes));
        using var trickle = new CsvRecordReader(new TrickleStream(bytes, 1));

        var expected = TestStreams.ReadAll(whole);
        var actual = TestStreams.ReadAll(trickle);

        Assert.Equal(3, expected.Count);
        Assert.Equal(expected.Select(r => r.Line), actual.Select(r => r.Line));
        Assert.Equal(expected.Select(r => string.Join("|", r.Fields)), actual.Select(r => string.Join("|", r.Fields)));
        Assert.Equal("😀", actual[2].Fields[0]);
    }

    [Fact]
    public void TryRead_ManyRecordsAndHugeField_CrossBufferBoundaries()
    {
        var huge = new string('x', 300_000);
        var builder = new StringBuilder("i,quoted,plain\n");
        for (var i = 0; i < 20_000; i++)
        {
            builder.Append(i).Append(",\"v,").Append(i).Append("\"\"\",").Append(i % 7).Append('\n');
            if (i == 10_000)
            {
                builder.Append("-1,\"").Append(huge).Append("\",0\n");
            }
        }

        using var reader = new CsvRecordReader(TestStreams.Utf8(builder.ToString()));

        var records = TestStreams.ReadAll(reader);

        Assert.Equal(20_001, records.Count);
        Assert.Equal(huge, records[10_001].Fields[1]);
        Assert.Equal(["19998", "v,19998\"", "6"], records[^2].Fields);
        Assert.Equal(20_002, records[^1].Line);
    }
}

using System.Text;
using FunctionsMl.Engine.Data;

namespace FunctionsMl.Engine.Tests.Data;

public sealed class DataLoaderTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "fml-data-" + Guid.NewGuid().ToString("N"));

    public DataLoaderTests() => Directory.CreateDirectory(_folder);

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void Read_MixedColumns_InfersKinds()
    {
        var csv = new StringBuilder("age,color,review,flag\n");
        for (var i = 0; i < 40; i++)
        {
            csv.Append(20 + i).Append(',')
                .Append((i % 3) switch { 0 => "red", 1 => "green", _ => "blue" }).Append(',')
                .Append("\"this product number ").Append(i).Append(" was fine\",")
                .Append(i % 2 == 0 ? "yes" : "no").Append('\n');
        }

        var table = DataLoader.Read(TestStreams.Utf8(csv.ToString()), DataFormat.Csv);

        Assert.Equal(40, table.RowCount);
        Assert.Equal(
            [ColumnKind.Numeric, ColumnKind.Categorical, ColumnKind.Text, ColumnKind.Categorical],
            table.Columns.Select(c => c.Kind));
        Assert.Equal(59f, table["age"].Numbers![39]);
        Assert.Equal("blue", table["color"].Strings![2]);
    }

    [Fact]
    public void Read_MissingTokens_AreMissingInEveryKind()
    {
        var csv = "x,c\n1,a\n,b\nNA,N/A\nnan,null\n\" \",a\n";

        var table = DataLoader.Read(TestStreams.Utf8(csv), DataFormat.Csv);

        var x = table["x"];
        Assert.Equal(ColumnKind.Numeric, x.Kind);
        Assert.Equal(1f, x.Numbers![0]);
        Assert.All(x.Numbers[1..], v => Assert.True(float.IsNaN(v)));
        Assert.Equal(4, x.MissingCount);
        TestStreams.AssertStrings(["a", "b", null, null, "a"], table["c"].Strings!);
        Assert.Equal(2, table["c"].MissingCount);
    }

    [Fact]
    public void Read_NumbersThenWords_KeepsNumbersAsWritten()
    {
        var csv = "code\n007\n1.50\nNA\n12\nX1\n";

        var column = DataLoader.Read(TestStreams.Utf8(csv), DataFormat.Csv)["code"];

        Assert.Equal(ColumnKind.Categorical, column.Kind);
        TestStreams.AssertStrings(["007", "1.50", null, "12", "X1"], column.Strings!);
    }

    [Fact]
    public void Read_AllMissing_IsNumeric()
    {
        var column = DataLoader.Read(TestStreams.Utf8("a,b\n,1\nNA,2\n"), DataFormat.Csv)["a"];

        Assert.Equal(ColumnKind.Numeric, column.Kind);
        Assert.Equal(2, column.MissingCount);
    }

    [Fact]
    public void Read_StringsAreTrimmed()
    {
        var column = DataLoader.Read(TestStreams.Utf8("c\n  red \nred\n"), DataFormat.Csv)["c"];

        TestStreams.AssertStrings(["red", "red"], column.Strings!);
    }

    [Theory]
    [InlineData(20, 20, 1, ColumnKind.Categorical)] // up to 20 distinct values always
    [InlineData(21, 30, 1, ColumnKind.Text)]
    [InlineData(100, 200, 1, ColumnKind.Categorical)] // each value twice on average, up to 100
    [InlineData(101, 202, 1, ColumnKind.Text)]
    [InlineData(1000, 10_000, 1, ColumnKind.Categorical)] // a tenth of the rows
    [InlineData(1001, 10_000, 1, ColumnKind.Text)]
    [InlineData(5, 100, 3, ColumnKind.Categorical)]
    [InlineData(5, 100, 4, ColumnKind.Text)] // long values are text however few
    public void InferStringKind_FollowsDocumentedRule(int distinct, int nonMissing, int wordsPerValue, ColumnKind expected) =>
        Assert.Equal(expected, ColumnBuilder.InferStringKind(distinct, nonMissing, (long)wordsPerValue * nonMissing));

    [Fact]
    public void Read_JsonLines_BooleansNumericNullsMissingAbsentKeysMissing()
    {
        var jsonl = "{\"ok\": true, \"name\": \"a\", \"x\": 1}\n{\"ok\": false, \"name\": null}\n{\"ok\": null, \"name\": \"b\", \"x\": 2.5}\n";

        var table = DataLoader.Read(TestStreams.Utf8(jsonl), DataFormat.JsonLines);

        Assert.Equal(["ok", "name", "x"], table.Columns.Select(c => c.Name));
        Assert.Equal(ColumnKind.Numeric, table["ok"].Kind);
        Assert.Equal([1f, 0f, float.NaN], table["ok"].Numbers!);
        TestStreams.AssertStrings(["a", null, "b"], table["name"].Strings!);
        Assert.Equal([1f, float.NaN, 2.5f], table["x"].Numbers!);
    }

    [Fact]
    public void Read_ForcedKinds_OverrideInference()
    {
        var options = new DataLoadOptions
        {
            ColumnKinds = new Dictionary<string, ColumnKind> { ["zip"] = ColumnKind.Categorical, ["note"] = ColumnKind.Text },
        };

        var table = DataLoader.Read(TestStreams.Utf8("zip,note\n02139,a\n10001,a\n"), DataFormat.Csv, options);

        Assert.Equal(ColumnKind.Categorical, table["zip"].Kind);
        TestStreams.AssertStrings(["02139", "10001"], table["zip"].Strings!);
        Assert.Equal(ColumnKind.Text, table["note"].Kind);
    }

    [Fact]
    public void Read_ForcedNumericWithWord_ThrowsNamingColumnLineAndValue()
    {
        var options = new DataLoadOptions { ColumnKinds = new Dictionary<string, ColumnKind> { ["x"] = ColumnKind.Numeric } };

        var error = Assert.Throws<DataFormatException>(
            () => DataLoader.Read(TestStreams.Utf8("x,y\n1,a\nNA,b\n2,\"multi\nline\"\ntwelve,d\n"), DataFormat.Csv, options));

        Assert.Equal(6, error.LineNumber);
        Assert.Equal("x", error.Column);
        Assert.Equal("line 6, column 'x': \"twelve\" is not a number, but the column is numeric.", error.Message);
    }

    [Fact]
    public void Read_ForcedKindForUnknownColumn_ThrowsArgumentException()
    {
        var options = new DataLoadOptions { ColumnKinds = new Dictionary<string, ColumnKind> { ["nope"] = ColumnKind.Text } };

        var error = Assert.Throws<ArgumentException>(() => DataLoader.Read(TestStreams.Utf8("x\n1\n"), DataFormat.Csv, options));

        Assert.Contains("'nope'", error.Message);
        Assert.Contains("Its columns are: x", error.Message);
    }

    [Theory]
    [InlineData("a,b\n", DataFormat.Csv)]
    [InlineData("a,b\n\n\n", DataFormat.Csv)]
    [InlineData("", DataFormat.JsonLines)]
    [InlineData("\n  \n", DataFormat.JsonLines)]
    public void Read_NoRows_Throws(string data, DataFormat format)
    {
        var error = Assert.Throws<DataFormatException>(() => DataLoader.Read(TestStreams.Utf8(data), format));

        Assert.Contains("no rows", error.Message);
    }

    [Fact]
    public void Read_LeavesStreamOpen()
    {
        var stream = TestStreams.Utf8("a\n1\n");

        DataLoader.Read(stream, DataFormat.Csv);

        Assert.True(stream.CanRead);
    }

    [Fact]
    public void Load_Folder_ConcatenatesDataFilesInOrdinalOrder()
    {
        File.WriteAllText(Path.Combine(_folder, "b.csv"), "x,y\n3,c\n");
        File.WriteAllText(Path.Combine(_folder, "a.csv"), "x,y\n1,a\n2,b\n");
        File.WriteAllText(Path.Combine(_folder, "c.jsonl"), "{\"y\": \"d\", \"x\": 4}\n");
        File.WriteAllText(Path.Combine(_folder, "notes.txt"), "not data");
        File.WriteAllText(Path.Combine(_folder, "B.csv"), "y,x\nz,0\n");

        var table = DataLoader.Load(_folder);

        Assert.Equal([0f, 1f, 2f, 3f, 4f], table["x"].Numbers!);
        TestStreams.AssertStrings(["z", "a", "b", "c", "d"], table["y"].Strings!);
    }

    [Fact]
    public void Load_FolderWithDisagreeingColumns_ThrowsNamingFile()
    {
        File.WriteAllText(Path.Combine(_folder, "1.csv"), "x,y\n1,a\n");
        var second = Path.Combine(_folder, "2.csv");
        File.WriteAllText(second, "x,z\n2,b\n");

        var error = Assert.Throws<DataFormatException>(() => DataLoader.Load(_folder));

        Assert.Equal(second, error.FilePath);
        Assert.Contains("lacks y", error.Message);
        Assert.Contains("has z in addition", error.Message);
    }

    [Fact]
    public void Load_JsonFileWithExtraKey_ThrowsNamingFileAndColumn()
    {
        File.WriteAllText(Path.Combine(_folder, "1.jsonl"), "{\"x\":1}\n");
        var second = Path.Combine(_folder, "2.jsonl");
        File.WriteAllText(second, "{\"x\":2}\n{\"x\":3,\"w\":1}\n");

        var error = Assert.Throws<DataFormatException>(() => DataLoader.Load(_folder));

        Assert.Equal(second, error.FilePath);
        Assert.Equal("w", error.Column);
    }

    [Fact]
    public void Load_MalformedFile_ErrorCarriesFileAndLine()
    {
        var file = Path.Combine(_folder, "data.csv");
        File.WriteAllText(file, "a,b\n1,2\n3\n");

        var error = Assert.Throws<DataFormatException>(() => DataLoader.Load(file));

        Assert.Equal(file, error.FilePath);
        Assert.Equal(3, error.LineNumber);
        Assert.StartsWith($"'{file}', line 3:", error.Message);
    }

    [Fact]
    public void Load_FolderWithoutDataFiles_Throws()
    {
        File.WriteAllText(Path.Combine(_folder, "readme.md"), "#");

        var error = Assert.Throws<DataFormatException>(() => DataLoader.Load(_folder));

        Assert.Contains("no data files", error.Message);
    }

    [Fact]
    public void Load_NothingAtPath_ThrowsFileNotFound() =>
        Assert.Throws<FileNotFoundException>(() => DataLoader.Load(Path.Combine(_folder, "missing.csv")));

    [Fact]
    public void Load_Cancelled_Throws()
    {
        var file = Path.Combine(_folder, "data.csv");
        File.WriteAllText(file, "a\n1\n");

        Assert.Throws<OperationCanceledException>(() => DataLoader.Load(file, cancellationToken: new CancellationToken(canceled: true)));
    }

    [Theory]
    [InlineData("x.csv", DataFormat.Csv)]
    [InlineData("X.CSV", DataFormat.Csv)]
    [InlineData("dir.v1/x.jsonl", DataFormat.JsonLines)]
    [InlineData("x.ndjson", DataFormat.JsonLines)]
    [InlineData("x.json", DataFormat.JsonLines)]
    public void FromPath_KnownExtension_PicksFormat(string path, DataFormat expected) =>
        Assert.Equal(expected, DataFormats.FromPath(path));

    [Fact]
    public void FromPath_UnknownExtension_ThrowsNamingIt()
    {
        var error = Assert.Throws<NotSupportedException>(() => DataFormats.FromPath("data.parquet"));

        Assert.Contains("'.parquet'", error.Message);
    }

    [Fact]
    public void Table_UnknownColumn_ThrowsListingColumns()
    {
        var table = new DataTable([DataColumn.Numeric("a", [1f]), DataColumn.Categorical("b", ["x"])]);

        var error = Assert.Throws<KeyNotFoundException>(() => table["c"]);

        Assert.False(table.TryGetColumn("c", out _));
        Assert.Contains("Its columns are: a, b", error.Message);
    }

    [Fact]
    public void Table_ColumnsOfDifferentLengths_Throws() =>
        Assert.Throws<ArgumentException>(() => new DataTable([DataColumn.Numeric("a", [1f]), DataColumn.Numeric("b", [1f, 2f])]));

    [Fact]
    public void SelectRows_KeepsKindsAndOrder()
    {
        var table = new DataTable([DataColumn.Numeric("a", [1f, 2f, 3f]), DataColumn.Text("t", ["x", null, "z"])]);

        var selected = table.SelectRows([2, 0]);

        Assert.Equal([3f, 1f], selected["a"].Numbers!);
        TestStreams.AssertStrings(["z", "x"], selected["t"].Strings!);
        Assert.Equal(ColumnKind.Text, selected["t"].Kind);
    }
}

using FunctionsMl.Engine.Data;
using FunctionsMl.Serving.Retraining;

namespace FunctionsMl.Serving.Tests.Retraining;

public sealed class HoldoutRowsTests
{
    [Fact]
    public void WriteThenRead_AwkwardValues_ComeBackIdentical()
    {
        float[] numbers = [0.1f, 5.1f, float.NaN, 1e-30f, -3.4028235e38f, 16777217f, 1f / 3f, BitConverter.Int32BitsToSingle(1)];
        var table = new DataTable(
        [
            DataColumn.Numeric("x", numbers),
            DataColumn.Categorical("code", ["007", null, "1e3", "NA", "a\"b", "ü", "", "x y"]),
            DataColumn.Text("note", ["line\nbreak", "tab\t", null, "{ }", "[1]", "true", "null text", "0"]),
        ]);

        DataTable read = RoundTrip(table);

        Assert.Equal(numbers.Select(BitConverter.SingleToInt32Bits), read["x"].Numbers!.Select(BitConverter.SingleToInt32Bits));
        Assert.Equal(ColumnKind.Categorical, read["code"].Kind);
        Assert.Equal<string?>(["007", null, "1e3", null, "a\"b", "ü", null, "x y"], read["code"].Strings!.AsEnumerable());
        Assert.Equal(ColumnKind.Text, read["note"].Kind);
        Assert.Equal("line\nbreak", read["note"].Strings![0]);
        Assert.Equal("0", read["note"].Strings![7]);
        Assert.Equal(["x", "code", "note"], read.Columns.Select(c => c.Name));
    }

    [Fact]
    public void WriteThenRead_RandomFloats_AreBitExact()
    {
        var random = new Random(7);
        float[] numbers = [.. Enumerable.Range(0, 5000).Select(_ => BitConverter.Int32BitsToSingle(random.Next()) is var f && float.IsFinite(f) ? f : 0f)];

        DataTable read = RoundTrip(new DataTable([DataColumn.Numeric("x", numbers)]));

        Assert.Equal(numbers.Select(BitConverter.SingleToInt32Bits), read["x"].Numbers!.Select(BitConverter.SingleToInt32Bits));
    }

    private static DataTable RoundTrip(DataTable table)
    {
        byte[] rows = HoldoutRows.WriteRows(table);
        IReadOnlyDictionary<string, ColumnKind> kinds = HoldoutRows.ReadColumns(HoldoutRows.WriteColumns(table));
        using var stream = new MemoryStream(rows);
        return HoldoutRows.ReadRows(stream, kinds);
    }
}

using System.Text.Json;
using FunctionsMl.Engine.Data;

namespace FunctionsMl.Engine.Tests.Data;

public class ColumnKindTests
{
    [Theory]
    [InlineData("\"numeric\"", ColumnKind.Numeric)]
    [InlineData("\"Categorical\"", ColumnKind.Categorical)]
    [InlineData("\"TEXT\"", ColumnKind.Text)]
    public void Deserialize_NameInAnyCase_Parsed(string json, ColumnKind expected) =>
        Assert.Equal(expected, JsonSerializer.Deserialize<ColumnKind>(json));

    [Fact]
    public void Serialize_CamelCaseName() =>
        Assert.Equal("{\"a\":\"categorical\"}", JsonSerializer.Serialize(new Dictionary<string, ColumnKind> { ["a"] = ColumnKind.Categorical }));

    [Theory]
    [InlineData("\"image\"")]
    [InlineData("1")]
    public void Deserialize_UnknownKind_Throws(string json) =>
        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<ColumnKind>(json));
}

using System.Globalization;
using FunctionsMl.Engine.Data;

namespace FunctionsMl.Engine.Tests.Data;

public class DataValuesTests
{
    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("NA")]
    [InlineData("na")]
    [InlineData(" N/A ")]
    [InlineData("NaN")]
    [InlineData("nan")]
    [InlineData("null")]
    [InlineData("NULL")]
    public void IsMissing_MissingTokens_True(string value) => Assert.True(DataValues.IsMissing(value));

    [Theory]
    [InlineData("0")]
    [InlineData("N")]
    [InlineData("none")]
    [InlineData("NAN1")]
    [InlineData("nulls")]
    public void IsMissing_OtherValues_False(string value) => Assert.False(DataValues.IsMissing(value));

    [Theory]
    [InlineData("1", 1f)]
    [InlineData(" -2.5 ", -2.5f)]
    [InlineData("+3", 3f)]
    [InlineData(".5", 0.5f)]
    [InlineData("5.", 5f)]
    [InlineData("1e3", 1000f)]
    [InlineData("1.5E-2", 0.015f)]
    [InlineData("0000123.4500", 123.45f)]
    public void TryParseNumber_InvariantNumbers_Parsed(string text, float expected)
    {
        Assert.True(DataValues.TryParseNumber(text, out var number));
        Assert.Equal(expected, number);
    }

    [Theory]
    [InlineData("NaN")]
    [InlineData("Infinity")]
    [InlineData("-Infinity")]
    [InlineData("1e39")]
    [InlineData("1,000")]
    [InlineData("1.2.3")]
    [InlineData("0x10")]
    [InlineData("e5")]
    [InlineData("12abc")]
    [InlineData("")]
    public void TryParseNumber_NotAFiniteFloat_False(string text) => Assert.False(DataValues.TryParseNumber(text, out _));

    [Fact]
    public void TryParseNumber_RandomDecimals_SameFloatAsFrameworkParser()
    {
        var random = new Random(7);
        for (var i = 0; i < 20_000; i++)
        {
            var digits = random.Next(1, 22);
            var mantissa = new string([.. Enumerable.Range(0, digits).Select(_ => (char)('0' + random.Next(10)))]);
            var point = random.Next(digits + 1);
            var text = (random.Next(2) == 0 ? "-" : "") + mantissa[..point] + "." + mantissa[point..];
            if (random.Next(3) == 0)
            {
                text += "e" + random.Next(-40, 30).ToString(CultureInfo.InvariantCulture);
            }

            var expected = (float)double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);
            var parsed = DataValues.TryParseNumber(text, out var actual);

            Assert.Equal(float.IsFinite(expected), parsed);
            if (parsed)
            {
                Assert.True(BitConverter.SingleToInt32Bits(expected) == BitConverter.SingleToInt32Bits(actual), $"'{text}': expected {expected:R}, got {actual:R}");
            }
        }
    }
}

using FunctionsMl.Engine.Models;
using FunctionsMl.Serving.Retraining;

namespace FunctionsMl.Serving.Tests.Retraining;

public sealed class ModelScheduleTests
{
    [Fact]
    public void NextAfter_DailyAtTwo_FiresAtTwoUtc()
    {
        ModelSchedule schedule = ModelSchedule.Parse("iris", "0 0 2 * * *");

        Assert.Equal(new DateTimeOffset(2030, 1, 2, 2, 0, 0, TimeSpan.Zero), schedule.NextAfter(new DateTimeOffset(2030, 1, 1, 2, 0, 0, TimeSpan.Zero)));
        Assert.Equal(new DateTimeOffset(2030, 1, 1, 2, 0, 0, TimeSpan.Zero), schedule.NextAfter(new DateTimeOffset(2030, 1, 1, 1, 59, 59, TimeSpan.Zero)));
    }

    [Fact]
    public void NextAfter_SecondsField_IsHonoured()
    {
        ModelSchedule schedule = ModelSchedule.Parse("iris", "*/10 * * * * *");

        Assert.Equal(new DateTimeOffset(2030, 1, 1, 0, 0, 10, TimeSpan.Zero), schedule.NextAfter(new DateTimeOffset(2030, 1, 1, 0, 0, 3, TimeSpan.Zero)));
    }

    [Fact]
    public void NextAfter_OffsetInput_IsReadAsUtc()
    {
        ModelSchedule schedule = ModelSchedule.Parse("iris", "0 0 2 * * *");

        // 03:30 at +02:00 is 01:30 UTC.
        Assert.Equal(new DateTimeOffset(2030, 1, 1, 2, 0, 0, TimeSpan.Zero), schedule.NextAfter(new DateTimeOffset(2030, 1, 1, 3, 30, 0, TimeSpan.FromHours(2))));
    }

    [Theory]
    [InlineData("0 2 * * *", "5 field")]
    [InlineData("0 0 25 * * *", "")]
    [InlineData("every day", "2 field")]
    public void Parse_Invalid_NamesModelAndField(string expression, string detail)
    {
        var error = Assert.Throws<ModelDefinitionException>(() => ModelSchedule.Parse("iris", expression));

        Assert.Equal("schedule", error.Field);
        Assert.Contains("model 'iris'", error.Message);
        Assert.Contains($"'{expression}'", error.Message);
        Assert.Contains(detail, error.Message);
    }

    [Fact]
    public void For_DefinitionWithoutSchedule_IsNull()
    {
        ModelDefinition definition = ModelDefinition.Parse("""{"name":"m","task":"regression","label":"y","trainer":{"type":"linear"}}""");

        Assert.Null(ModelSchedule.For(definition));
    }
}

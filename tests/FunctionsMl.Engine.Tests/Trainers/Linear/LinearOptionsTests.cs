using FunctionsMl.Engine.Trainers.Linear;

namespace FunctionsMl.Engine.Tests.Trainers.Linear;

public sealed class LinearOptionsTests
{
    [Fact]
    public void Defaults_AreTheDocumentedValues()
    {
        var options = new LinearOptions();

        Assert.Equal(1.0, options.L2);
        Assert.Equal(200, options.MaxIterations);
        Assert.Equal(1e-6, options.Tolerance);
        Assert.Equal(10, options.HistorySize);
        Assert.Equal(1, options.Seed);
        Assert.Equal(0, options.Threads);
        options.Validate();
    }

    public static TheoryData<LinearOptions, string> InvalidOptions => new()
    {
        { new LinearOptions { L2 = -0.1 }, nameof(LinearOptions.L2) },
        { new LinearOptions { L2 = double.NaN }, nameof(LinearOptions.L2) },
        { new LinearOptions { MaxIterations = 0 }, nameof(LinearOptions.MaxIterations) },
        { new LinearOptions { Tolerance = 0 }, nameof(LinearOptions.Tolerance) },
        { new LinearOptions { Tolerance = 1 }, nameof(LinearOptions.Tolerance) },
        { new LinearOptions { HistorySize = 0 }, nameof(LinearOptions.HistorySize) },
        { new LinearOptions { Threads = -1 }, nameof(LinearOptions.Threads) },
    };

    [Theory]
    [MemberData(nameof(InvalidOptions))]
    public void Validate_OutOfRange_NamesTheOption(LinearOptions options, string option)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(options.Validate);

        Assert.Equal(option, error.ParamName);
        Assert.Contains($"'{option}'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Deserialize_CamelCaseJson_BindsOptions()
    {
        var json = """{ "l2": 0.5, "maxIterations": 50, "tolerance": 1e-8, "historySize": 5, "seed": 7, "threads": 2 }""";

        var options = System.Text.Json.JsonSerializer.Deserialize<LinearOptions>(json, new System.Text.Json.JsonSerializerOptions(System.Text.Json.JsonSerializerDefaults.Web))!;

        Assert.Equal(0.5, options.L2);
        Assert.Equal(50, options.MaxIterations);
        Assert.Equal(1e-8, options.Tolerance);
        Assert.Equal(5, options.HistorySize);
        Assert.Equal(7, options.Seed);
        Assert.Equal(2, options.Threads);
    }
}

using System.Text.Json;
using FunctionsMl.Engine.Trainers.Gbdt;

namespace FunctionsMl.Engine.Tests.Trainers.Gbdt;

public sealed class GbdtOptionsTests
{
    [Fact]
    public void Validate_Defaults_DoesNotThrow()
    {
        var options = new GbdtOptions();

        options.Validate();

        Assert.Equal(100, options.Trees);
        Assert.Equal(31, options.Leaves);
        Assert.Equal(0.1, options.LearningRate);
        Assert.Equal(255, options.MaxBins);
    }

    public static TheoryData<GbdtOptions, string> InvalidOptions => new()
    {
        { new GbdtOptions { Trees = 0 }, "Trees" },
        { new GbdtOptions { Leaves = 1 }, "Leaves" },
        { new GbdtOptions { MaxDepth = -1 }, "MaxDepth" },
        { new GbdtOptions { LearningRate = 0 }, "LearningRate" },
        { new GbdtOptions { LearningRate = double.NaN }, "LearningRate" },
        { new GbdtOptions { L2 = -1 }, "L2" },
        { new GbdtOptions { MinRowsPerLeaf = 0 }, "MinRowsPerLeaf" },
        { new GbdtOptions { MinHessianPerLeaf = -1e-3 }, "MinHessianPerLeaf" },
        { new GbdtOptions { L2 = 0, MinHessianPerLeaf = 0 }, "MinHessianPerLeaf" },
        { new GbdtOptions { RowSubsample = 0 }, "RowSubsample" },
        { new GbdtOptions { RowSubsample = 1.5 }, "RowSubsample" },
        { new GbdtOptions { FeatureSubsample = -0.1 }, "FeatureSubsample" },
        { new GbdtOptions { MaxBins = 1 }, "MaxBins" },
        { new GbdtOptions { MaxBins = 256 }, "MaxBins" },
        { new GbdtOptions { EarlyStoppingRounds = -1 }, "EarlyStoppingRounds" },
        { new GbdtOptions { Threads = -1 }, "Threads" },
    };

    [Theory]
    [MemberData(nameof(InvalidOptions))]
    public void Validate_OutOfRange_ThrowsNamingTheOption(GbdtOptions options, string name)
    {
        var exception = Assert.ThrowsAny<ArgumentException>(options.Validate);

        Assert.Equal(name, exception.ParamName);
    }

    [Fact]
    public void Deserialize_CamelCaseJson_BindsEveryOption()
    {
        const string json = """
            { "trees": 7, "leaves": 15, "maxDepth": 4, "learningRate": 0.3, "l2": 2, "minRowsPerLeaf": 5,
              "minHessianPerLeaf": 0.5, "rowSubsample": 0.8, "featureSubsample": 0.7, "maxBins": 63,
              "earlyStoppingRounds": 3, "seed": 42, "threads": 2 }
            """;

        var options = JsonSerializer.Deserialize<GbdtOptions>(json, new JsonSerializerOptions(JsonSerializerDefaults.Web))!;

        Assert.Equal(
            (7, 15, 4, 0.3, 2.0, 5, 0.5, 0.8, 0.7, 63, 3, 42, 2),
            (options.Trees, options.Leaves, options.MaxDepth, options.LearningRate, options.L2, options.MinRowsPerLeaf,
             options.MinHessianPerLeaf, options.RowSubsample, options.FeatureSubsample, options.MaxBins,
             options.EarlyStoppingRounds, options.Seed, options.Threads));
    }
}

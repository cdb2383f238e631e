using FunctionsMl.Serving.Monitoring;

namespace FunctionsMl.Serving.Tests.Monitoring;

public sealed class OnlineMetricsRuleTests
{
    private static readonly Dictionary<string, double> Holdout = new() { ["accuracy"] = 0.95, ["logLoss"] = 0.2, ["macroF1"] = 0.94 };

    [Fact]
    public void Adjust_EnoughFeedbackAndWorseOnline_ComparesWithTheOnlineValue()
    {
        var result = OnlineMetricsRule.Adjust("accuracy", Holdout, Online(count: 500, accuracy: 0.81));

        Assert.True(result.Applied);
        Assert.Equal(0.81, result.ChampionMetrics!["accuracy"]);
        Assert.Equal(0.2, result.ChampionMetrics["logLoss"]);
        Assert.Contains("0.81", result.Reason);
        Assert.Equal(0.95, Holdout["accuracy"]);
    }

    [Fact]
    public void Adjust_TooLittleFeedback_KeepsTheHoldout()
    {
        var result = OnlineMetricsRule.Adjust("accuracy", Holdout, Online(count: OnlineMetricsRule.DefaultMinFeedbackRows - 1, accuracy: 0.5));

        Assert.False(result.Applied);
        Assert.Same(Holdout, result.ChampionMetrics);
        Assert.Contains("199", result.Reason);
    }

    [Fact]
    public void Adjust_BetterOnline_NeverRaisesTheBar()
    {
        var result = OnlineMetricsRule.Adjust("accuracy", Holdout, Online(count: 10_000, accuracy: 0.99));

        Assert.False(result.Applied);
        Assert.Same(Holdout, result.ChampionMetrics);
    }

    [Fact]
    public void Adjust_LowerIsBetterMetric_AppliesWhenOnlineIsHigher()
    {
        var holdout = new Dictionary<string, double> { ["rmse"] = 40 };

        var worse = OnlineMetricsRule.Adjust("rmse", holdout, new OnlineMetrics("diabetes", "4", 300, null, null, 45, 52));
        var better = OnlineMetricsRule.Adjust("rmse", holdout, new OnlineMetrics("diabetes", "4", 300, null, null, 30, 35));

        Assert.Equal((true, 52.0), (worse.Applied, worse.ChampionMetrics!["rmse"]));
        Assert.False(better.Applied);
    }

    [Theory]
    [InlineData("macroF1")]
    [InlineData("auc")]
    public void Adjust_MetricNotMeasuredOnline_KeepsTheHoldout(string metric)
    {
        var result = OnlineMetricsRule.Adjust(metric, Holdout, Online(count: 1000, accuracy: 0.5));

        Assert.False(result.Applied);
        Assert.Contains("not measured online", result.Reason);
    }

    [Fact]
    public void Adjust_NoFeedbackOrNoHoldout_KeepsWhatThereIs()
    {
        Assert.False(OnlineMetricsRule.Adjust("accuracy", Holdout, null).Applied);
        Assert.Null(OnlineMetricsRule.Adjust("accuracy", null, Online(count: 1000, accuracy: 0.5)).ChampionMetrics);
    }

    [Fact]
    public void Adjust_CustomMinimum_IsHonoured()
    {
        Assert.True(OnlineMetricsRule.Adjust("accuracy", Holdout, Online(count: 50, accuracy: 0.7), minFeedbackRows: 50).Applied);
    }

    private static OnlineMetrics Online(long count, double accuracy) => new("iris", "3", count, accuracy, 0.5, null, null);
}

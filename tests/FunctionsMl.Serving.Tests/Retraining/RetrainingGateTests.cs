using FunctionsMl.Serving.Retraining;

namespace FunctionsMl.Serving.Tests.Retraining;

public sealed class RetrainingGateTests
{
    private static readonly GateRule Accuracy = new("accuracy", LowerIsBetter: false, Minimum: 0.8, MinImprovement: 0);
    private static readonly GateRule Rmse = new("rmse", LowerIsBetter: true, Minimum: 70, MinImprovement: 0);

    [Fact]
    public void Decide_CandidateBetter_Promotes()
    {
        GateDecision decision = RetrainingGate.Decide(Accuracy, Metrics("accuracy", 0.95), "3", Metrics("accuracy", 0.9));

        Assert.Equal(GateVerdict.Promote, decision.Verdict);
        Assert.Contains("0.95 vs champion version 3 0.9", decision.Reason);
        Assert.Contains("better by 0.05", decision.Reason);
    }

    [Fact]
    public void Decide_CandidateWorse_Keeps()
    {
        GateDecision decision = RetrainingGate.Decide(Accuracy, Metrics("accuracy", 0.85), "3", Metrics("accuracy", 0.9));

        Assert.Equal(GateVerdict.Keep, decision.Verdict);
        Assert.Contains("worse", decision.Reason);
    }

    [Fact]
    public void Decide_Tie_KeepsBecauseTheCandidateMustBeStrictlyBetter()
    {
        GateDecision decision = RetrainingGate.Decide(Accuracy, Metrics("accuracy", 0.9), "3", Metrics("accuracy", 0.9));

        Assert.Equal(GateVerdict.Keep, decision.Verdict);
        Assert.Contains("tie", decision.Reason);
    }

    [Fact]
    public void Decide_DifferenceWithinFloatingPointNoise_IsATie()
    {
        GateDecision decision = RetrainingGate.Decide(Accuracy, Metrics("accuracy", 0.9 + 1e-13), "3", Metrics("accuracy", 0.9));

        Assert.Equal(GateVerdict.Keep, decision.Verdict);
    }

    [Fact]
    public void Decide_BelowMinimum_KeepsEvenWithoutChampion()
    {
        GateDecision decision = RetrainingGate.Decide(Accuracy, Metrics("accuracy", 0.79), championVersion: null, champion: null);

        Assert.Equal(GateVerdict.Keep, decision.Verdict);
        Assert.Contains("below the minimum 0.8", decision.Reason);
    }

    [Fact]
    public void Decide_BelowMinimumButBetterThanChampion_Keeps()
    {
        GateDecision decision = RetrainingGate.Decide(Accuracy, Metrics("accuracy", 0.7), "3", Metrics("accuracy", 0.5));

        Assert.Equal(GateVerdict.Keep, decision.Verdict);
    }

    [Fact]
    public void Decide_FirstModelMeetingMinimum_Promotes()
    {
        GateDecision decision = RetrainingGate.Decide(Accuracy, Metrics("accuracy", 0.8), championVersion: null, champion: null);

        Assert.Equal(GateVerdict.Promote, decision.Verdict);
        Assert.StartsWith("first version", decision.Reason);
    }

    [Fact]
    public void Decide_FirstModelWithoutMinimum_Promotes()
    {
        GateDecision decision = RetrainingGate.Decide(Accuracy with { Minimum = null }, Metrics("accuracy", 0.1), null, null);

        Assert.Equal(GateVerdict.Promote, decision.Verdict);
        Assert.Contains("no minimum set", decision.Reason);
    }

    [Theory]
    [InlineData(55.0, 60.0, GateVerdict.Promote)] // lower rmse is better
    [InlineData(65.0, 60.0, GateVerdict.Keep)]
    [InlineData(60.0, 60.0, GateVerdict.Keep)]
    [InlineData(71.0, 90.0, GateVerdict.Keep)] // better than the champion, but above the ceiling
    [InlineData(70.0, 90.0, GateVerdict.Promote)] // exactly at the ceiling meets it
    public void Decide_LowerIsBetterMetric_ComparesDownwards(double candidate, double champion, GateVerdict expected)
    {
        GateDecision decision = RetrainingGate.Decide(Rmse, Metrics("rmse", candidate), "1", Metrics("rmse", champion));

        Assert.Equal(expected, decision.Verdict);
    }

    [Fact]
    public void Decide_LowerIsBetterAboveCeilingWithoutChampion_SaysCeiling()
    {
        GateDecision decision = RetrainingGate.Decide(Rmse, Metrics("rmse", 75), null, null);

        Assert.Equal(GateVerdict.Keep, decision.Verdict);
        Assert.Contains("above the ceiling 70", decision.Reason);
    }

    [Theory]
    [InlineData(0.905, GateVerdict.Keep)] // better, but by less than 0.01
    [InlineData(0.91, GateVerdict.Promote)] // exactly the required improvement passes
    [InlineData(0.93, GateVerdict.Promote)]
    public void Decide_MinImprovement_RequiresThatMargin(double candidate, GateVerdict expected)
    {
        GateDecision decision = RetrainingGate.Decide(Accuracy with { MinImprovement = 0.01 }, Metrics("accuracy", candidate), "2", Metrics("accuracy", 0.9));

        Assert.Equal(expected, decision.Verdict);
        if (expected == GateVerdict.Keep)
        {
            Assert.Contains("less than the required 0.01", decision.Reason);
        }
    }

    [Theory]
    [InlineData(54.0, GateVerdict.Keep)]
    [InlineData(53.0, GateVerdict.Promote)]
    public void Decide_MinImprovementOnLowerIsBetter_MeasuresTheDrop(double candidate, GateVerdict expected)
    {
        GateDecision decision = RetrainingGate.Decide(Rmse with { MinImprovement = 2 }, Metrics("rmse", candidate), "2", Metrics("rmse", 55));

        Assert.Equal(expected, decision.Verdict);
    }

    [Fact]
    public void Decide_ChampionCouldNotBeScored_JudgesOnMinimumAlone()
    {
        GateDecision decision = RetrainingGate.Decide(Accuracy, Metrics("accuracy", 0.85), "4", champion: null);

        Assert.Equal(GateVerdict.Promote, decision.Verdict);
        Assert.Contains("champion version 4 has no accuracy", decision.Reason);
    }

    [Fact]
    public void Decide_CandidateWithoutTheMetric_Keeps()
    {
        GateDecision decision = RetrainingGate.Decide(Accuracy with { Metric = "auc" }, Metrics("accuracy", 0.99), null, null);

        Assert.Equal(GateVerdict.Keep, decision.Verdict);
        Assert.Contains("no auc", decision.Reason);
    }

    [Fact]
    public void Decide_CandidateMetricNaN_Keeps()
    {
        GateDecision decision = RetrainingGate.Decide(Accuracy, Metrics("accuracy", double.NaN), null, null);

        Assert.Equal(GateVerdict.Keep, decision.Verdict);
    }

    [Fact]
    public void From_ValidationRule_TakesDirectionFromTheMetric()
    {
        var rule = GateRule.From(new Engine.Models.ValidationRule { Metric = "mae", Minimum = 40, MinImprovement = 0.5 });

        Assert.Equal(new GateRule("mae", true, 40, 0.5), rule);
        Assert.Equal("mae ≤ 40; beat the champion by at least 0.5 (lower is better)", rule.ToString());
    }

    private static Dictionary<string, double> Metrics(string name, double value) => new() { [name] = value, ["other"] = 0.123 };
}

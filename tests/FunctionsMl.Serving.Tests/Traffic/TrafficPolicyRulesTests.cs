using System.Text.Json;
using FunctionsMl.Serving.Traffic;

namespace FunctionsMl.Serving.Tests.Traffic;

public sealed class TrafficPolicyRulesTests
{
    [Fact]
    public void Check_ValidPolicy_HasNoErrors()
    {
        var policy = new TrafficPolicy([new("production", 90), new("staging", 10)], [new("3", 10)], "customer_id");

        Assert.Empty(TrafficPolicyRules.Check(policy));
    }

    [Theory]
    [InlineData(90, 20, "split")]
    [InlineData(100, 0, "split[1].weight")]
    [InlineData(150, -50, "split[0].weight")]
    public void Check_BadWeights_NamesTheField(int first, int second, string field)
    {
        var policy = new TrafficPolicy([new("production", first), new("staging", second)], []);

        var errors = TrafficPolicyRules.Check(policy);

        Assert.Contains(field, errors.Keys);
    }

    [Fact]
    public void Check_WeightsNotSummingTo100_SaysTheSum()
    {
        var errors = TrafficPolicyRules.Check(new TrafficPolicy([new("production", 90), new("staging", 20)], []));

        Assert.Contains("110", errors["split"][0]);
    }

    [Theory]
    [InlineData("Production")]
    [InlineData("01")]
    [InlineData("")]
    [InlineData("prod/uction")]
    public void Check_MalformedTarget_NamesIt(string target)
    {
        var errors = TrafficPolicyRules.Check(new TrafficPolicy([new(target, 100)], []));

        Assert.Contains("split[0].target", errors.Keys);
    }

    [Fact]
    public void Check_TargetTwiceInSplit_IsRejected()
    {
        var errors = TrafficPolicyRules.Check(new TrafficPolicy([new("production", 50), new("production", 50)], []));

        Assert.Contains("split[1].target", errors.Keys);
    }

    [Fact]
    public void Check_ShadowThatIsInTheSplit_IsRejected()
    {
        var errors = TrafficPolicyRules.Check(new TrafficPolicy([new("production", 90), new("staging", 10)], [new("staging", 100)]));

        Assert.Contains("shadows[0].target", errors.Keys);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(101)]
    public void Check_ShadowPercentOutOfRange_IsRejected(int percent)
    {
        var errors = TrafficPolicyRules.Check(new TrafficPolicy([new("production", 100)], [new("3", percent)]));

        Assert.Contains("shadows[0].percent", errors.Keys);
    }

    [Fact]
    public void Check_EmptySplitOrBlankRoutingField_IsRejected()
    {
        var errors = TrafficPolicyRules.Check(new TrafficPolicy([], [], "  "));

        Assert.Contains("split", errors.Keys);
        Assert.Contains("routingField", errors.Keys);
    }

    [Fact]
    public void Parse_FullBody_ReadsPolicyReasonAndAuthor()
    {
        var request = TrafficPolicyJson.Parse(Json("""
            {"split":[{"target":"production","weight":90},{"target":"staging","weight":10}],
             "shadows":[{"target":"3","percent":25}],"routingField":"customer_id","reason":"A/B v3","by":"alice"}
            """));

        Assert.Equal([new TrafficRoute("production", 90), new TrafficRoute("staging", 10)], request.Policy.Split);
        Assert.Equal([new ShadowRoute("3", 25)], request.Policy.Shadows);
        Assert.Equal(("customer_id", "A/B v3", "alice"), (request.Policy.RoutingField, request.Reason, request.By));
    }

    [Theory]
    [InlineData("""{"split":[{"target":"production","weight":90.5},{"target":"staging","weight":9.5}]}""", "split[0].weight")]
    [InlineData("""{"split":[{"target":"production","weight":"100"}]}""", "split[0].weight")]
    [InlineData("""{"split":[{"target":3,"weight":100}]}""", "split[0].target")]
    [InlineData("""{"splits":[{"target":"production","weight":100}]}""", "splits")]
    [InlineData("""{"split":[{"target":"production","weight":100,"sticky":true}]}""", "split[0].sticky")]
    [InlineData("""{"shadows":[]}""", "split")]
    [InlineData("""{"split":{"target":"production","weight":100}}""", "split")]
    [InlineData("""[1]""", "$")]
    public void Parse_BadBody_NamesTheField(string json, string field)
    {
        var error = Assert.Throws<TrafficPolicyException>(() => TrafficPolicyJson.Parse(Json(json)));

        Assert.Contains(field, error.Errors.Keys);
    }

    private static JsonElement Json(string text) => JsonDocument.Parse(text).RootElement;
}

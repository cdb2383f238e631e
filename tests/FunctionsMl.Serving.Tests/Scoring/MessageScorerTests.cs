using System.Text.Json;
using FunctionsMl.Serving.Hosting;
using FunctionsMl.Serving.Prediction;
using FunctionsMl.Serving.Scoring;

namespace FunctionsMl.Serving.Tests.Scoring;

public sealed class MessageScorerTests
{
    private const string Setosa = """{"sepal_length": 5.1, "sepal_width": 3.5, "petal_length": 1.4, "petal_width": 0.2}""";
    private const string Virginica = """{"sepal_length": 6.8, "sepal_width": 3.2, "petal_length": 5.9, "petal_width": 2.3}""";

    private readonly StubModelResolver _resolver = new StubModelResolver().With("iris", "3", ScoringTestModels.Iris).NotReady("fresh");

    [Fact]
    public async Task ScoreAsync_Request_ReturnsPredictionsCorrelatedById()
    {
        var result = await CreateSut().ScoreAsync($$"""{"id": "req-1", "model": "iris", "instances": [{{Setosa}}, {{Virginica}}]}""");

        var root = JsonDocument.Parse(result).RootElement;
        Assert.Equal(("req-1", "iris", "3"), (root.GetProperty("id").GetString(), root.GetProperty("model").GetString(), root.GetProperty("version").GetString()));
        var predictions = root.GetProperty("predictions").EnumerateArray().ToList();
        Assert.Equal(["setosa", "virginica"], predictions.Select(p => p.GetProperty("label").GetString()));
        Assert.Equal(1.0, predictions[0].GetProperty("probabilities").EnumerateObject().Sum(p => p.Value.GetDouble()), 4);
    }

    [Fact]
    public async Task ScoreAsync_RowThatDoesNotFitTheModel_ReturnsAnErrorResultNamingTheField()
    {
        var result = await CreateSut().ScoreAsync($$"""{"id": "req-2", "model": "iris", "instances": [{{Setosa}}, {"sepal_length": "long", "sepal_width": 3.5, "petal_length": 1.4, "petal_width": 0.2}]}""");

        var root = JsonDocument.Parse(result).RootElement;
        Assert.Equal("req-2", root.GetProperty("id").GetString());
        Assert.False(root.TryGetProperty("predictions", out _));
        var errors = root.GetProperty("error").GetProperty("errors");
        Assert.Contains("\"long\"", errors.GetProperty("instances[1].sepal_length")[0].GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("not json", "not valid JSON")]
    [InlineData("[1]", "must be a JSON object")]
    [InlineData("""{"model": "iris", "instances": [{}]}""", "\"id\"")]
    [InlineData("""{"id": 7, "model": "iris", "instances": [{}]}""", "\"id\"")]
    [InlineData("""{"id": "a", "instances": [{}]}""", "\"model\"")]
    [InlineData("""{"id": "a", "model": "Iris!", "instances": [{}]}""", "Invalid model name")]
    [InlineData("""{"id": "a", "model": "iris"}""", "\"instances\"")]
    [InlineData("""{"id": "a", "model": "iris", "instances": []}""", "0 instances")]
    [InlineData("""{"id": "a", "model": "iris", "instances": [{}, 3]}""", "instances[1]")]
    [InlineData("""{"id": "a", "model": "iris", "instances": [{}, {}, {}]}""", "3 instances; send 1 to 2")]
    [InlineData("""{"id": "a", "model": "lily", "instances": [{}]}""", "model 'lily', which does not exist")]
    public async Task ScoreAsync_MalformedMessageOrUnknownModel_ThrowsPoisonWithTheReason(string message, string reason)
    {
        var ex = await Assert.ThrowsAsync<PoisonMessageException>(() => CreateSut().ScoreAsync(message));

        Assert.Contains(reason, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ScoreAsync_ModelWithoutProductionVersion_ThrowsForARetry()
    {
        await Assert.ThrowsAsync<ModelNotReadyException>(() => CreateSut().ScoreAsync($$"""{"id": "a", "model": "fresh", "instances": [{{Setosa}}]}"""));
    }

    private MessageScorer CreateSut() => new(_resolver, new FunctionsMlOptions { MaxBatchRows = 2 });
}

using System.Text;
using System.Text.Json;
using FunctionsMl.Engine.Models;
using FunctionsMl.Serving.Definitions;
using FunctionsMl.Serving.Hosting;
using FunctionsMl.Serving.Prediction;
using FunctionsMl.Serving.Queues;
using FunctionsMl.Serving.Registry;
using FunctionsMl.Serving.Scoring;
using FunctionsMl.Serving.Storage;
using FunctionsMl.Serving.Tests.TestSupport;
using FunctionsMl.Serving.Tests.Traffic;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace FunctionsMl.Serving.Tests.Scoring;

public sealed class QueueTriggerScoringTests : IAsyncLifetime
{
    private const string MessageId = "0f8fad5b-d9cb-469f-a165-70867728950e";

    private readonly ManualTimeProvider _time = new();
    private ServiceProvider? _services;
    private string _irisVersion = "";

    /// <summary>The services as both hosts compose them, over an in-memory store with iris in production and "fresh" defined but never trained.</summary>
    public async Task InitializeAsync()
    {
        _services = CreateServices();
        await DefineAsync(_services, "iris");
        await DefineAsync(_services, "fresh");
        _irisVersion = await PromoteAsync(_services, "iris", TestModels.Iris);
    }

    public async Task DisposeAsync()
    {
        if (_services is not null)
        {
            await _services.DisposeAsync();
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(5)]
    public async Task ScoreAsync_GoodRequest_ReturnsTheResultAndSetsNothingAside(long dequeueCount)
    {
        string request = $$"""{"id": "req-1", "model": "iris", "instances": [{{TestModels.SetosaRow}}, {{TestModels.VirginicaRow}}]}""";

        MessageScoringOutcome outcome = await Sut().ScoreAsync(request, MessageId, dequeueCount);

        Assert.Null(outcome.SetAside);
        JsonElement result = JsonDocument.Parse(outcome.Result!).RootElement;
        Assert.Equal(("req-1", "iris", _irisVersion), (result.GetProperty("id").GetString(), result.GetProperty("model").GetString(), result.GetProperty("version").GetString()));
        Assert.Equal(["setosa", "virginica"], result.GetProperty("predictions").EnumerateArray().Select(p => p.GetProperty("label").GetString()));
    }

    [Fact]
    public async Task ScoreAsync_RowsThatDoNotFitTheModel_ReturnAnErrorResultRatherThanSettingAside()
    {
        string request = """{"id": "req-2", "model": "iris", "instances": [{"sepal_length": "long", "sepal_width": 3.5, "petal_length": 1.4, "petal_width": 0.2}]}""";

        MessageScoringOutcome outcome = await Sut().ScoreAsync(request, MessageId, 1);

        Assert.Null(outcome.SetAside);
        JsonElement result = JsonDocument.Parse(outcome.Result!).RootElement;
        Assert.Equal("req-2", result.GetProperty("id").GetString());
        Assert.True(result.GetProperty("error").GetProperty("errors").TryGetProperty("instances[0].sepal_length", out _));
    }

    [Theory]
    [InlineData("not json <b>&amp;</b> 'x' \"y\" \\ é 😀\r\n\t ", "The message is not valid JSON")]
    [InlineData("  {\"id\": \"ü-1\", \"model\": \"lily\", \"instances\": [{\"note\": \"<b>\\\"q\\\"</b> & \\u00e9 😀\\n\"}]}\r\n", "names model 'lily', which does not exist")]
    [InlineData("{\"model\": \"iris\", \"instances\": [{}]}", "needs a non-empty string \"id\"")]
    [InlineData("{\"id\": \"a\", \"model\": \"iris\", \"instances\": []}", "has 0 instances")]
    public async Task ScoreAsync_RequestThatCanNeverBeScored_IsSetAsideOnTheFirstDeliveryWithTheReasonAndTheMessageAsItCame(string message, string reason)
    {
        MessageScoringOutcome outcome = await Sut().ScoreAsync(message, MessageId, 1);

        Assert.Null(outcome.Result);
        JsonElement setAside = JsonDocument.Parse(outcome.SetAside!).RootElement;
        Assert.Contains(reason, setAside.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Equal("scoring-requests", setAside.GetProperty("sourceQueue").GetString());
        Assert.Equal(MessageId, setAside.GetProperty("messageId").GetString());
        Assert.Equal(1, setAside.GetProperty("dequeueCount").GetInt64());
        Assert.Equal(_time.GetUtcNow(), setAside.GetProperty("setAsideAt").GetDateTimeOffset());
        Assert.Equal(Encoding.UTF8.GetBytes(message), Encoding.UTF8.GetBytes(setAside.GetProperty("message").GetString()!));
    }

    [Fact]
    public async Task ScoreAsync_LargeUnscorableRequest_SetAsideStillFitsInAQueueMessage()
    {
        // Azure queue messages hold 64 KiB; host.json encodes them as base64, which leaves 48 KiB of text.
        const int maxMessageText = 64 * 1024 / 4 * 3;
        string rows = string.Join(", ", Enumerable.Repeat(TestModels.SetosaRow, 480));
        string request = $$"""{"id": "big", "model": "irsi", "instances": [{{rows}}]}""";
        Assert.InRange(Encoding.UTF8.GetByteCount(request), 30_000, 40_000);

        MessageScoringOutcome outcome = await Sut().ScoreAsync(request, MessageId, 1);

        Assert.Equal(request, JsonDocument.Parse(outcome.SetAside!).RootElement.GetProperty("message").GetString());
        Assert.InRange(Encoding.UTF8.GetByteCount(outcome.SetAside!), 0, maxMessageText);
    }

    [Fact]
    public async Task ScoreAsync_UnscorableRequestNearTheQueueLimit_KeepsItsBodyInTheStoreAndPointsToIt()
    {
        string rows = string.Join(", ", Enumerable.Repeat(TestModels.SetosaRow, 600));
        string request = $$"""{"id": "huge", "model": "irsi", "instances": [{{rows}}]}""";
        Assert.InRange(Encoding.UTF8.GetByteCount(request), 45_000, QueueTriggerScoring.MaxInlineSetAsideBytes);

        MessageScoringOutcome outcome = await Sut().ScoreAsync(request, MessageId, 1);

        Assert.InRange(Encoding.UTF8.GetByteCount(outcome.SetAside!), 0, 2_000);
        JsonElement setAside = JsonDocument.Parse(outcome.SetAside!).RootElement;
        Assert.False(setAside.TryGetProperty("message", out _));
        string path = setAside.GetProperty("messagePath").GetString()!;
        Assert.Equal(QueueTriggerScoring.SetAsideBodyPath(MessageId), path);
        StoredObject? body = await _services!.GetRequiredService<IObjectStore>().ReadAsync(path);
        Assert.Equal(request, Encoding.UTF8.GetString(body!.Content.Span));
        Assert.Contains("irsi", setAside.GetProperty("reason").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ScoreAsync_ModelWithoutProductionVersion_ThrowsForRedeliveryUntilTheFifthDeliveryThenSetsItAside()
    {
        const string request = """{"id": "req-3", "model": "fresh", "instances": [{"sepal_length": 5.1}]}""";
        QueueTriggerScoring sut = Sut();

        for (long delivery = 1; delivery < QueueProcessorDefaults.MaxDequeueCount; delivery++)
        {
            await Assert.ThrowsAsync<ModelNotReadyException>(() => sut.ScoreAsync(request, MessageId, delivery));
        }

        MessageScoringOutcome last = await sut.ScoreAsync(request, MessageId, 5);

        Assert.Null(last.Result);
        JsonElement setAside = JsonDocument.Parse(last.SetAside!).RootElement;
        Assert.StartsWith("Failed 5 times; the last error was ModelNotReadyException: Model 'fresh' has no production version yet", setAside.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Equal(5, setAside.GetProperty("dequeueCount").GetInt64());
        Assert.Equal(request, setAside.GetProperty("message").GetString());
    }

    [Fact]
    public async Task ScoreAsync_CustomMaxDequeueCount_SetsAsideOnThatDelivery()
    {
        await using ServiceProvider services = CreateServices(new() { ["FunctionsMl:Queues:MaxDequeueCount"] = "2" });
        await DefineAsync(services, "fresh");
        QueueTriggerScoring sut = services.GetRequiredService<QueueTriggerScoring>();
        const string request = """{"id": "req-4", "model": "fresh", "instances": [{"sepal_length": 5.1}]}""";

        await Assert.ThrowsAsync<ModelNotReadyException>(() => sut.ScoreAsync(request, MessageId, 1));
        MessageScoringOutcome second = await sut.ScoreAsync(request, MessageId, 2);

        Assert.StartsWith("Failed 2 times;", JsonDocument.Parse(second.SetAside!).RootElement.GetProperty("reason").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ScoreAsync_ModelPromotedBetweenDeliveries_ScoresTheRedelivery()
    {
        string request = $$"""{"id": "req-5", "model": "fresh", "instances": [{{TestModels.SetosaRow}}]}""";
        QueueTriggerScoring sut = Sut();
        await Assert.ThrowsAsync<ModelNotReadyException>(() => sut.ScoreAsync(request, MessageId, 1));

        string version = await PromoteAsync(_services!, "fresh", TestModels.Iris);
        _time.Advance(TimeSpan.FromMinutes(1));
        MessageScoringOutcome second = await sut.ScoreAsync(request, MessageId, 2);

        Assert.Null(second.SetAside);
        Assert.Equal(version, JsonDocument.Parse(second.Result!).RootElement.GetProperty("version").GetString());
    }

    [Fact]
    public async Task ScoreAsync_CancelledOnTheLastDelivery_ThrowsRatherThanSettingAside()
    {
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            () => Sut().ScoreAsync("""{"id": "req-6", "model": "fresh", "instances": [{"sepal_length": 5.1}]}""", MessageId, 5, cancelled.Token));
    }

    [Fact]
    public async Task Constructor_MaxDequeueCountOutOfRange_ThrowsNamingTheSetting()
    {
        await using ServiceProvider services = CreateServices(new() { ["FunctionsMl:Queues:MaxDequeueCount"] = "0" });

        var thrown = Assert.Throws<ArgumentOutOfRangeException>(() => services.GetRequiredService<QueueTriggerScoring>());

        Assert.Contains("FunctionsMl:Queues:MaxDequeueCount", thrown.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ScoreAsync_NullMessageOrId_ThrowsArgumentNull()
    {
        await Assert.ThrowsAsync<ArgumentNullException>(() => Sut().ScoreAsync(null!, MessageId, 1));
        await Assert.ThrowsAsync<ArgumentNullException>(() => Sut().ScoreAsync("{}", null!, 1));
    }

    private QueueTriggerScoring Sut() => _services!.GetRequiredService<QueueTriggerScoring>();

    private ServiceProvider CreateServices(Dictionary<string, string?>? settings = null) =>
        new ServiceCollection()
            .AddLogging()
            .AddSingleton<TimeProvider>(_time)
            .AddSingleton<IObjectStore>(new InMemoryObjectStore(_time))
            .AddFunctionsMl(new ConfigurationBuilder().AddInMemoryCollection(settings ?? new Dictionary<string, string?>()).Build())
            .BuildServiceProvider();

    /// <summary>Stores an iris-shaped definition under <paramref name="model"/>, as a deployment would.</summary>
    private static Task DefineAsync(IServiceProvider services, string model)
    {
        string json = $$$"""{"name": "{{{model}}}", "task": "multiclass", "label": "species", "trainer": {"type": "gbdt"}}""";
        return services.GetRequiredService<IObjectStore>().WriteAsync(DefinitionPaths.Definition(model), Encoding.UTF8.GetBytes(json), WriteCondition.None);
    }

    /// <summary>Registers <paramref name="trained"/> as a version of <paramref name="model"/> and points production at it.</summary>
    private static async Task<string> PromoteAsync(IServiceProvider services, string model, TrainedModel trained)
    {
        ModelRegistry registry = services.GetRequiredService<ModelRegistry>();
        JsonElement manifest = JsonSerializer.SerializeToElement(trained.Manifest, ModelManifest.JsonOptions);
        ModelRegistration registration = await registry.RegisterAsync(model, trained.ToModelFile(), manifest, "tests");
        await registry.SetAliasAsync(model, IModelResolver.ProductionAlias, registration.Version.Version, new AliasChange("tests", "first version"));
        return registration.Version.Version;
    }
}

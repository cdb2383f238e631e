namespace FunctionsMl.Functions.Tests.Metadata;

/// <summary>The rules on declarations made up here, with the bindings scoring and retraining functions will use.</summary>
public sealed class FunctionRulesTests
{
    private static readonly InfrastructureFacts Infra = new(
        new HashSet<string>(["incoming", "scored", "failed"]),
        new HashSet<string>(["scoring-requests", "scoring-requests-poison", "scoring-results"]),
        new HashSet<string>(["FunctionsMlStorage__blobServiceUri", "FunctionsMlStorage__queueServiceUri", "RETRAIN_SCHEDULE"]),
        []);

    /// <summary>Declarations that break exactly one rule, and a word of the problem it should report.</summary>
    public static TheoryData<string, FunctionDeclaration, string> Broken => new()
    {
        { "route with a leading slash", Function("Predict", Http("/api/models/{name}/predict"), ("name", typeof(string))), "leading '/'" },
        { "route value with no parameter", Function("Predict", Http("api/models/{name}/predict")), "{name}" },
        { "parameter that binds nothing", Function("Models", Http("api/models"), ("name", typeof(string))), "'name'" },
        { "admin key", Function("Models", Http("api/models", auth: "Admin")), "AuthLevel" },
        { "no methods", Function("Models", Http("api/models", methods: [])), "no methods" },
        { "blob trigger polling", Function("Score", BlobTrigger("incoming/{model}/{name}", source: "LogsAndContainerScan")), "EventGrid" },
        { "blob trigger on a container infra lacks", Function("Score", BlobTrigger("uploads/{name}")), "uploads" },
        { "blob output on a container infra lacks", Function("Score", BlobTrigger("incoming/{name}"), Binding("BlobOutput", BindingRole.Output, ("BlobPath", "results/{name}"), ("Connection", "FunctionsMlStorage"))), "results" },
        { "blob trigger on the host's account", Function("Score", BlobTrigger("incoming/{name}", connection: null)), "Connection" },
        { "queue trigger on a queue infra lacks", Function("Score", QueueTrigger("requests")), "requests" },
        { "queue output with an unconfigured connection", Function("Score", QueueTrigger("scoring-requests"), Binding("QueueOutput", BindingRole.Output, ("QueueName", "scoring-results"), ("Connection", "OtherStorage"))), "OtherStorage" },
        { "queue trigger without a poison queue", Function("Score", QueueTrigger("scoring-results")), "-poison" },
        { "timer with a TimeSpan", Function("Retrain", Timer("00:05:00")), "NCRONTAB" },
        { "timer with five fields", Function("Retrain", Timer("0 2 * * *")), "NCRONTAB" },
        { "timer reading an unset setting", Function("Retrain", Timer("%SCHEDULE%")), "SCHEDULE" },
        { "timer running on startup", Function("Retrain", Timer("0 */15 * * * *", runOnStartup: true)), "RunOnStartup" },
        { "two triggers", Function("Score", BlobTrigger("incoming/{name}"), QueueTrigger("scoring-requests")), "2 triggers" },
    };

    [Theory]
    [MemberData(nameof(Broken))]
    public void Check_BrokenDeclaration_ReportsOneProblem(string why, FunctionDeclaration function, string word)
    {
        var problems = FunctionRules.Check([function], Infra);

        var problem = Assert.Single(problems);
        Assert.Contains(word, problem, StringComparison.Ordinal);
        Assert.StartsWith(function.Name, problem, StringComparison.Ordinal);
        Assert.False(string.IsNullOrEmpty(why));
    }

    [Fact]
    public void Check_DeclarationsThatFitTheInfrastructure_ReportNothing()
    {
        FunctionDeclaration[] functions =
        [
            Function("Predict", Http("api/models/{name}/versions/{version}/predict"), ("name", typeof(string)), ("version", typeof(string)), ("cancellationToken", typeof(CancellationToken))),
            Function("ScoreIncomingBlob", BlobTrigger("incoming/{model}/{name}"), ("model", typeof(string)), ("name", typeof(string))),
            Function("ScoreMessage", QueueTrigger("scoring-requests"), Binding("QueueOutput", BindingRole.Output, ("QueueName", "scoring-results"), ("Connection", "FunctionsMlStorage"))),
            Function("RetrainDue", Timer("0 */15 * * * *")),
            Function("RetrainSetting", Timer("%RETRAIN_SCHEDULE%")),
            Function("RetrainOrchestrator", Binding("OrchestrationTrigger", BindingRole.Trigger)),
        ];

        Assert.Empty(FunctionRules.Check(functions, Infra));
    }

    [Fact]
    public void Check_SameNameInAnotherCase_IsAProblem()
    {
        var problems = FunctionRules.Check([Function("Predict", Http("api/a")), Function("predict", Http("api/b"))], Infra);

        Assert.Contains(problems, p => p.Contains("unique", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("incoming/{model}/{name}", "EventGrid", 0)]
    [InlineData("scored/{model}/{name}", "EventGrid", 1)]
    [InlineData("incoming/{model}/{name}", "LogsAndContainerScan", 1)]
    public void CheckScripted_BlobTrigger_MatchesTheHooksContainerAndSource(string path, string source, int problems)
    {
        var scripted = new ScriptedBlobFunction("scripts/postdeploy.sh", "ScoreIncomingBlob", "incoming");

        Assert.Equal(problems, FunctionRules.CheckScripted([Function("ScoreIncomingBlob", BlobTrigger(path, source))], scripted).Count);
    }

    [Fact]
    public void CheckScripted_Missing_SaysWhichScriptNeedsIt()
    {
        var scripted = new ScriptedBlobFunction("scripts/postdeploy.sh", "ScoreIncomingBlob", "incoming");

        var problem = Assert.Single(FunctionRules.CheckScripted([], scripted));

        Assert.Contains("scripts/postdeploy.sh", problem, StringComparison.Ordinal);
    }

    private static FunctionDeclaration Function(string name, BindingDeclaration trigger, params (string Name, Type Type)[] parameters) =>
        new(name, $"Sample.{name}", [trigger], [("input", typeof(object)), .. parameters]);

    private static FunctionDeclaration Function(string name, BindingDeclaration first, BindingDeclaration second) =>
        new(name, $"Sample.{name}", [first, second], [("input", typeof(object))]);

    private static BindingDeclaration Http(string route, string auth = "Function", string[]? methods = null) =>
        Binding("HttpTrigger", BindingRole.Trigger, ("Route", route), ("AuthLevel", auth), ("Methods", (methods ?? ["get"]).ToList()));

    private static BindingDeclaration BlobTrigger(string path, string source = "EventGrid", string? connection = "FunctionsMlStorage") =>
        Binding("BlobTrigger", BindingRole.Trigger, ("BlobPath", path), ("Source", source), ("Connection", connection));

    private static BindingDeclaration QueueTrigger(string queue) =>
        Binding("QueueTrigger", BindingRole.Trigger, ("QueueName", queue), ("Connection", "FunctionsMlStorage"));

    private static BindingDeclaration Timer(string schedule, bool runOnStartup = false) =>
        Binding("TimerTrigger", BindingRole.Trigger, ("Schedule", schedule), ("RunOnStartup", runOnStartup), ("UseMonitor", true));

    private static BindingDeclaration Binding(string kind, BindingRole role, params (string Name, object? Value)[] properties) =>
        new(kind, role, role == BindingRole.Trigger ? "input" : null, properties.ToDictionary(p => p.Name, p => p.Value));
}

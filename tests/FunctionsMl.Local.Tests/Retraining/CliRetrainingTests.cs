using System.Text.Json;
using FunctionsMl.Serving.Registry;
using FunctionsMl.Serving.Retraining;
using FunctionsMl.Serving.Storage;

namespace FunctionsMl.Local.Tests.Retraining;

/// <summary><c>functionsml train</c> and <c>retrain</c> as real processes, on the repository's iris sample.</summary>
public sealed class CliRetrainingTests : IDisposable
{
    private readonly ScratchFolder _scratch = new();

    public void Dispose() => _scratch.Dispose();

    [Fact]
    public async Task Train_IrisSample_PromotesVersionOneThenRetrainKeepsIt()
    {
        string store = _scratch.Combine("store");
        string iris = Path.Combine(LocalProcess.RepositoryRoot(), "models", "iris");

        using LocalProcess train = await LocalProcess.RunAsync("train", iris, "--store", store);
        using LocalProcess retrain = await LocalProcess.RunAsync("retrain", "iris", "--store", store, "--json");

        Assert.True(train.ExitCode == 0, train.Output + train.Error);
        Assert.Contains("published iris from", train.Output);
        Assert.Contains("  TrainCandidate: 150 labelled rows: 120 to train, 30 held out", train.Output);
        Assert.Contains("champion:   none (no production version yet)", train.Output);
        Assert.Contains("decision:   promote: first version: candidate accuracy", train.Output);
        Assert.Contains("result:     version 1 promoted to production", train.Output);

        Assert.True(retrain.ExitCode == 0, retrain.Output + retrain.Error);
        RetrainingRun run = JsonSerializer.Deserialize<RetrainingRun>(retrain.Output, RetrainingJson.Options)!;
        Assert.Equal(RunStatus.Succeeded, run.Status);
        Assert.Equal(RunTrigger.Cli, run.Trigger);
        Assert.Equal(GateVerdict.Keep, run.Decision);
        Assert.Equal("1", run.Version);
        Assert.Equal("1", run.Champion!.Version);
        Assert.Equal(retrain.Id, run.Owner!.ProcessId);

        var registry = new ModelRegistry(new FileSystemObjectStore(store), TimeProvider.System);
        Assert.Equal("1", (await registry.GetAliasesAsync("iris")).VersionOf("production"));
    }

    [Fact]
    public async Task Train_RunFails_ExitsWithOne()
    {
        string model = _scratch.Combine("broken");
        Directory.CreateDirectory(Path.Combine(model, "data"));
        await File.WriteAllTextAsync(Path.Combine(model, "model.json"), """{ "name": "broken", "task": "binary", "label": "y", "trainer": { "type": "linear" } }""");
        await File.WriteAllTextAsync(Path.Combine(model, "data", "rows.csv"), "x,y\n1,a\n2,a\n3,a\n");

        using LocalProcess train = await LocalProcess.RunAsync("train", model, "--store", _scratch.Combine("store"));

        Assert.Equal(1, train.ExitCode);
        Assert.Contains("result:     failed in TrainCandidate: label: column 'y' has 1 distinct value(s)", train.Output);
    }

    [Fact]
    public async Task Retrain_UnknownModel_IsAUsageError()
    {
        using LocalProcess retrain = await LocalProcess.RunAsync("retrain", "nope", "--store", _scratch.Combine("store"));

        Assert.Equal(2, retrain.ExitCode);
        Assert.Contains("no definition of model 'nope'", retrain.Error);
    }
}

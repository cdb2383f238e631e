using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using FunctionsMl.Serving.Http;
using FunctionsMl.Serving.Retraining;

using FunctionsMl.Local.Tests.Support;

namespace FunctionsMl.Local.Tests.Retraining;

/// <summary>The local host as a real process: start-up training, then retraining over HTTP.</summary>
public sealed class LocalHostRetrainingTests : IDisposable
{
    private const string ApiKey = "host-test-key";

    private readonly ScratchFolder _scratch = new();

    public void Dispose() => _scratch.Dispose();

    [Fact]
    public async Task Serve_ModelWithoutVersion_TrainsOnStartupServesPromotionsWithoutRestartAndRetrainsOnRequest()
    {
        // A deliberately weak definition first, so that the real one later makes a better version.
        string models = _scratch.Combine("models");
        string store = _scratch.Combine("store");
        string iris = Path.Combine(LocalProcess.RepositoryRoot(), "models", "iris");
        Directory.CreateDirectory(Path.Combine(models, "iris", "data"));
        File.Copy(Path.Combine(iris, "data", "iris.csv"), Path.Combine(models, "iris", "data", "iris.csv"));
        await File.WriteAllTextAsync(Path.Combine(models, "iris", "model.json"), WeakIris);
        int port = LoopbackPort.Free();
        using LocalProcess host = LocalProcess.Start("serve", "--store", store, "--models", models, "--urls", $"http://127.0.0.1:{port}", "--api-key", ApiKey);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        http.DefaultRequestHeaders.Add("x-functions-key", ApiKey);

        RetrainingRun startup = await KillAndRestartTests.PollAsync(
            async () => (await GetRunsAsync(http))?.FirstOrDefault(r => r.Status != RunStatus.Running),
            () => host.Output + host.Error);

        Assert.Equal(RunTrigger.Startup, startup.Trigger);
        Assert.Equal(RunStatus.Succeeded, startup.Status);
        Assert.True(startup.Promoted);
        Assert.Equal("1", startup.Version);
        Assert.Contains("TrainCandidate: 150 labelled rows", host.Output);
        Assert.Equal("1", await PredictedVersionAsync(http));

        // Another process promotes a better version into the same store; the running host serves it without a restart.
        File.Copy(Path.Combine(iris, "model.json"), Path.Combine(models, "iris", "model.json"), overwrite: true);
        using (LocalProcess train = await LocalProcess.RunAsync("train", Path.Combine(models, "iris"), "--store", store))
        {
            Assert.True(train.ExitCode == 0, train.Output + train.Error);
            Assert.Contains("result:     version 2 promoted to production", train.Output);
        }

        await KillAndRestartTests.PollAsync(async () => await PredictedVersionAsync(http) == "2" ? "2" : null, () => host.Output + host.Error, seconds: 20);

        using HttpResponseMessage response = await http.PostAsync("/api/models/iris/retrain", null);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        RetrainAccepted accepted = (await response.Content.ReadFromJsonAsync<RetrainAccepted>())!;
        RetrainingRun manual = await KillAndRestartTests.PollAsync(
            async () => await http.GetFromJsonAsync<RetrainingRun>(response.Headers.Location!, RetrainingJson.Options) is { Status: not RunStatus.Running } run ? run : null,
            () => host.Output + host.Error);

        Assert.Equal(accepted.RunId, manual.Id);
        Assert.Equal(RunTrigger.Manual, manual.Trigger);
        Assert.Equal(GateVerdict.Keep, manual.Decision);
        Assert.Equal("2", manual.Version);
        Assert.Equal(3, (await GetRunsAsync(http))!.Count);
    }

    [Fact]
    public async Task Serve_ModelWithSchedule_RunsItWhenDue()
    {
        string models = _scratch.Combine("models");
        string iris = Path.Combine(LocalProcess.RepositoryRoot(), "models", "iris");
        Directory.CreateDirectory(Path.Combine(models, "iris", "data"));
        File.Copy(Path.Combine(iris, "data", "iris.csv"), Path.Combine(models, "iris", "data", "iris.csv"));
        string definition = await File.ReadAllTextAsync(Path.Combine(iris, "model.json"));
        await File.WriteAllTextAsync(Path.Combine(models, "iris", "model.json"), definition.Replace("\"0 0 2 * * *\"", "\"*/2 * * * * *\"", StringComparison.Ordinal));
        int port = LoopbackPort.Free();
        using LocalProcess host = LocalProcess.Start("serve", "--store", _scratch.Combine("store"), "--models", models, "--urls", $"http://127.0.0.1:{port}", "--api-key", ApiKey, "--no-train");
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        http.DefaultRequestHeaders.Add("x-functions-key", ApiKey);

        RetrainingRun scheduled = await KillAndRestartTests.PollAsync(
            async () => (await GetRunsAsync(http))?.FirstOrDefault(r => r.Status == RunStatus.Succeeded),
            () => host.Output + host.Error);

        Assert.Equal(RunTrigger.Schedule, scheduled.Trigger);
        Assert.Equal("1", scheduled.Version);
    }

    [Fact]
    public async Task Serve_DataAddedToTheModelFolderWhileServing_TheNextRunTrainsOnIt()
    {
        string models = _scratch.Combine("models");
        string iris = Path.Combine(LocalProcess.RepositoryRoot(), "models", "iris");
        Directory.CreateDirectory(Path.Combine(models, "iris", "data"));
        File.Copy(Path.Combine(iris, "data", "iris.csv"), Path.Combine(models, "iris", "data", "iris.csv"));
        File.Copy(Path.Combine(iris, "model.json"), Path.Combine(models, "iris", "model.json"));
        int port = LoopbackPort.Free();
        using LocalProcess host = LocalProcess.Start("serve", "--store", _scratch.Combine("store"), "--models", models, "--urls", $"http://127.0.0.1:{port}", "--api-key", ApiKey, "--no-train");
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        http.DefaultRequestHeaders.Add("x-functions-key", ApiKey);
        await KillAndRestartTests.PollAsync(async () => await GetRunsAsync(http), () => host.Output + host.Error);

        // New labelled rows dropped into the folder after start-up publishing: no restart, no train command.
        File.Copy(Path.Combine(iris, "data", "iris.csv"), Path.Combine(models, "iris", "data", "more.csv"));
        using HttpResponseMessage response = await http.PostAsync("/api/models/iris/retrain", null);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        RetrainingRun run = await KillAndRestartTests.PollAsync(
            async () => await http.GetFromJsonAsync<RetrainingRun>(response.Headers.Location!, RetrainingJson.Options) is { Status: not RunStatus.Running } done ? done : null,
            () => host.Output + host.Error);

        Assert.Equal(RunStatus.Succeeded, run.Status);
        Assert.Equal(["training/iris/iris.csv", "training/iris/more.csv"], run.Data!.Files.Select(f => f.Path).Order(StringComparer.Ordinal));
        Assert.Equal(300, run.Candidate!.Rows);
    }

    private const string WeakIris = """
        { "name": "iris", "task": "multiclass", "label": "species",
          "trainer": { "type": "gbdt", "trees": 1, "leaves": 2, "seed": 1 },
          "validation": { "metric": "accuracy", "minimum": 0.3 } }
        """;

    private static async Task<string?> PredictedVersionAsync(HttpClient http)
    {
        using var row = JsonContent.Create(new { sepal_length = 5.1, sepal_width = 3.5, petal_length = 1.4, petal_width = 0.2 });
        using HttpResponseMessage response = await http.PostAsync("/api/models/iris/predict", row);
        return response.IsSuccessStatusCode ? (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("version").GetString() : null;
    }

    private static async Task<List<RetrainingRun>?> GetRunsAsync(HttpClient http)
    {
        try
        {
            using HttpResponseMessage response = await http.GetAsync("/api/models/iris/runs");
            return response.StatusCode == HttpStatusCode.OK ? await response.Content.ReadFromJsonAsync<List<RetrainingRun>>(RetrainingJson.Options) : null;
        }
        catch (HttpRequestException)
        {
            return null;
        }
    }
}

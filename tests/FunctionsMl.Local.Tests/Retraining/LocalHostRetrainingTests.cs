using System.Net;
using System.Net.Http.Json;
using FunctionsMl.Serving.Http;
using FunctionsMl.Serving.Retraining;

namespace FunctionsMl.Local.Tests.Retraining;

/// <summary>The local host as a real process: start-up training, then retraining over HTTP.</summary>
public sealed class LocalHostRetrainingTests : IDisposable
{
    private const string ApiKey = "host-test-key";

    private readonly ScratchFolder _scratch = new();

    public void Dispose() => _scratch.Dispose();

    [Fact]
    public async Task Serve_ModelWithoutVersion_TrainsItOnStartupThenRetrainsOnRequest()
    {
        string models = _scratch.Combine("models");
        string iris = Path.Combine(LocalProcess.RepositoryRoot(), "models", "iris");
        Directory.CreateDirectory(Path.Combine(models, "iris", "data"));
        File.Copy(Path.Combine(iris, "model.json"), Path.Combine(models, "iris", "model.json"));
        File.Copy(Path.Combine(iris, "data", "iris.csv"), Path.Combine(models, "iris", "data", "iris.csv"));
        int port = LocalProcess.FreeTcpPort();
        using LocalProcess host = LocalProcess.Start("serve", "--store", _scratch.Combine("store"), "--models", models, "--urls", $"http://127.0.0.1:{port}", "--api-key", ApiKey);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        http.DefaultRequestHeaders.Add("x-functions-key", ApiKey);

        RetrainingRun startup = await KillAndRestartTests.PollAsync(
            async () => (await GetRunsAsync(http))?.FirstOrDefault(r => r.Status != RunStatus.Running),
            () => host.Output + host.Error);

        Assert.Equal(RunTrigger.Startup, startup.Trigger);
        Assert.Equal(RunStatus.Succeeded, startup.Status);
        Assert.True(startup.Promoted);
        Assert.Equal("1", startup.Version);
        await KillAndRestartTests.PollAsync(
            () => Task.FromResult(host.Output.Contains("TrainCandidate: 150 labelled rows", StringComparison.Ordinal) ? host.Output : null),
            () => host.Output);

        using HttpResponseMessage response = await http.PostAsync("/api/models/iris/retrain", null);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        RetrainAccepted accepted = (await response.Content.ReadFromJsonAsync<RetrainAccepted>())!;
        RetrainingRun manual = await KillAndRestartTests.PollAsync(
            async () => await http.GetFromJsonAsync<RetrainingRun>(response.Headers.Location!, RetrainingJson.Options) is { Status: not RunStatus.Running } run ? run : null,
            () => host.Output + host.Error);

        Assert.Equal(accepted.RunId, manual.Id);
        Assert.Equal(RunTrigger.Manual, manual.Trigger);
        Assert.Equal(GateVerdict.Keep, manual.Decision);
        Assert.Equal("1", manual.Version);
        Assert.Equal([manual.Id, startup.Id], (await GetRunsAsync(http))!.Select(r => r.Id));
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
        int port = LocalProcess.FreeTcpPort();
        using LocalProcess host = LocalProcess.Start("serve", "--store", _scratch.Combine("store"), "--models", models, "--urls", $"http://127.0.0.1:{port}", "--api-key", ApiKey, "--no-train");
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        http.DefaultRequestHeaders.Add("x-functions-key", ApiKey);

        RetrainingRun scheduled = await KillAndRestartTests.PollAsync(
            async () => (await GetRunsAsync(http))?.FirstOrDefault(r => r.Status == RunStatus.Succeeded),
            () => host.Output + host.Error);

        Assert.Equal(RunTrigger.Schedule, scheduled.Trigger);
        Assert.Equal("1", scheduled.Version);
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

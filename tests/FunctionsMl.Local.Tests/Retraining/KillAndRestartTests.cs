using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using FunctionsMl.Local.Tests.Support;
using FunctionsMl.Serving.Registry;
using FunctionsMl.Serving.Retraining;
using FunctionsMl.Serving.Storage;

namespace FunctionsMl.Local.Tests.Retraining;

/// <summary>A real process killed in the middle of training, then a real host started on the same store.</summary>
public sealed class KillAndRestartTests : IDisposable
{
    private const string ApiKey = "kill-test-key";

    private readonly ScratchFolder _scratch = new();

    public void Dispose() => _scratch.Dispose();

    [Fact]
    public async Task Train_KilledDuringTraining_ProductionUnchangedAndRunReportedInterruptedAfterRestart()
    {
        string store = _scratch.Combine("store");
        string models = _scratch.Combine("models");
        string model = Path.Combine(models, "slow");
        WriteModel(model, rows: 200, trees: 20);
        using (LocalProcess first = await LocalProcess.RunAsync("train", model, "--store", store))
        {
            Assert.True(first.ExitCode == 0, first.Output + first.Error);
        }

        // Enough data and trees that training takes seconds: the kill lands inside it.
        WriteModel(model, rows: 10_000, trees: 3000);
        var objects = new FileSystemObjectStore(store);
        var runs = new RunStore(objects);
        var registry = new ModelRegistry(objects, TimeProvider.System);
        int killedProcess;
        string killedRun;
        using (LocalProcess slow = LocalProcess.Start("train", model, "--store", store))
        {
            RetrainingRun training = await PollAsync(
                async () => (await runs.ListAsync("slow", 1)).FirstOrDefault(r => r.Status == RunStatus.Running && r.Steps.LastOrDefault() is { Name: "TrainCandidate", Status: StepStatus.Running }),
                () => slow.Output + slow.Error);
            slow.Kill();
            killedProcess = slow.Id;
            killedRun = training.Id;
        }

        // Right after the kill: nothing was promoted or registered, the run is left as the process left it.
        Assert.Equal("1", (await registry.GetAliasesAsync("slow")).VersionOf("production"));
        Assert.Single(await registry.ListVersionsAsync("slow"));
        Assert.Equal(RunStatus.Running, (await runs.GetAsync("slow", killedRun))!.Status);
        Assert.Equal(killedProcess, (await new RunLocks(objects, TimeProvider.System).ReadAsync("slow"))!.Value.Info.Owner.ProcessId);

        // Restart as a host (without start-up training: production already has a version anyway).
        int port = LoopbackPort.Free();
        using LocalProcess host = LocalProcess.Start("serve", "--store", store, "--models", models, "--urls", $"http://127.0.0.1:{port}", "--api-key", ApiKey, "--no-train");
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        http.DefaultRequestHeaders.Add("x-functions-key", ApiKey);
        RetrainingRun interrupted = await PollAsync(
            async () => (await GetRunsAsync(http, "slow"))?.FirstOrDefault(r => r.Id == killedRun && r.Status == RunStatus.Interrupted),
            () => host.Output + host.Error);

        Assert.Equal("TrainCandidate", interrupted.FailedStep);
        Assert.Equal(StepStatus.Interrupted, interrupted.Steps[^1].Status);
        Assert.Equal(
            $"Interrupted: process {killedProcess.ToString(CultureInfo.InvariantCulture)} on {Environment.MachineName}, which held its lock, is no longer running. The run did not finish; production is still version 1.",
            interrupted.Error);
        Assert.Equal("1", (await registry.GetAliasesAsync("slow")).VersionOf("production"));
        Assert.Null(await new RunLocks(objects, TimeProvider.System).ReadAsync("slow"));
        await foreach (StoredObjectInfo staged in objects.ListAsync(RunPaths.Staging("slow", killedRun)))
        {
            Assert.Fail($"left staged: {staged.Path}");
        }
    }

    private static async Task<List<RetrainingRun>?> GetRunsAsync(HttpClient http, string model)
    {
        try
        {
            using HttpResponseMessage response = await http.GetAsync($"/api/models/{model}/runs");
            return response.StatusCode == HttpStatusCode.OK ? await response.Content.ReadFromJsonAsync<List<RetrainingRun>>(RetrainingJson.Options) : null;
        }
        catch (HttpRequestException)
        {
            return null; // Not listening yet.
        }
    }

    internal static async Task<T> PollAsync<T>(Func<Task<T?>> probe, Func<string> diagnostics, int seconds = 60)
        where T : class
    {
        DateTime deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (true)
        {
            if (await probe() is { } found)
            {
                return found;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("Waited in vain. Process output:\n" + diagnostics());
            }

            await Task.Delay(25);
        }
    }

    private static void WriteModel(string directory, int rows, int trees)
    {
        string data = Path.Combine(directory, "data");
        if (Directory.Exists(data))
        {
            Directory.Delete(data, recursive: true);
        }

        Directory.CreateDirectory(data);
        File.WriteAllText(Path.Combine(directory, "model.json"), $$"""
            { "name": "slow", "task": "regression", "label": "y",
              "trainer": { "type": "gbdt", "trees": {{trees}}, "leaves": 31, "learningRate": 0.01, "seed": 1 },
              "validation": { "metric": "rmse" } }
            """);
        var random = new Random(1);
        var csv = new StringBuilder("a,b,c,d,e,f,y\n");
        for (int row = 0; row < rows; row++)
        {
            double[] x = [.. Enumerable.Range(0, 6).Select(_ => random.NextDouble())];
            csv.Append(CultureInfo.InvariantCulture, $"{x[0]:0.#####},{x[1]:0.#####},{x[2]:0.#####},{x[3]:0.#####},{x[4]:0.#####},{x[5]:0.#####},{(x[0] * 3) + (x[1] * x[2]) + random.NextDouble():0.#####}\n");
        }

        File.WriteAllText(Path.Combine(data, $"rows-{rows}.csv"), csv.ToString());
    }
}

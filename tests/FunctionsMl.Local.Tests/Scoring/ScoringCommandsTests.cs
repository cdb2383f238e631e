using System.Text.Json;
using FunctionsMl.Local.Cli;

namespace FunctionsMl.Local.Tests.Scoring;

public sealed class ScoringCommandsTests : IDisposable
{
    private readonly LocalScoringTestStore _store = new();

    public void Dispose() => _store.Dispose();

    [Fact]
    public async Task Score_LocalCsv_WritesOutputAndRejectedRowsAndPrintsCounts()
    {
        var input = Path.Combine(_store.Root, "in.csv");
        var output = Path.Combine(_store.Root, "out.csv");
        await File.WriteAllTextAsync(input, $"{LocalScoringTestStore.IrisHeader}\n5.1,3.5,1.4,0.2\n6.8,3.2,5.9,2.3\n5.1,wide,1.4,0.2\n");

        var (code, stdout, _) = await RunAsync("score", "iris", "--input", input, "--output", output, "--store", _store.StorePath);

        Assert.Equal(0, code);
        Assert.StartsWith("scored 2 of 3 rows with iris version 1 (1 rejected)", stdout, StringComparison.Ordinal);
        Assert.Contains($"rejected: {output}.rejected.csv", stdout, StringComparison.Ordinal);
        var lines = await File.ReadAllLinesAsync(output);
        Assert.Equal($"{LocalScoringTestStore.IrisHeader},prediction,probability_setosa,probability_versicolor,probability_virginica,model_version", lines[0]);
        Assert.StartsWith("5.1,3.5,1.4,0.2,setosa,", lines[1], StringComparison.Ordinal);
        Assert.StartsWith("6.8,3.2,5.9,2.3,virginica,", lines[2], StringComparison.Ordinal);
        Assert.EndsWith(",1", lines[2], StringComparison.Ordinal);
        Assert.Equal(3, lines.Length);
        Assert.Contains("\"wide\"", await File.ReadAllTextAsync(output + ".rejected.csv"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Score_UnknownModel_FailsWithTheReason()
    {
        var input = Path.Combine(_store.Root, "in.csv");
        await File.WriteAllTextAsync(input, $"{LocalScoringTestStore.IrisHeader}\n5.1,3.5,1.4,0.2\n");

        var (code, stdout, _) = await RunAsync("score", "lily", "--input", input, "--output", Path.Combine(_store.Root, "out.csv"), "--store", _store.StorePath);

        Assert.Equal(1, code);
        Assert.Contains("(UnknownModel)", stdout, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_store.Root, "out.csv")));
    }

    [Fact]
    public async Task Score_WithoutOutput_IsAUsageError()
    {
        var (code, _, stderr) = await RunAsync("score", "iris", "--input", "x.csv", "--store", _store.StorePath);

        Assert.Equal(2, code);
        Assert.Contains("--output", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EnqueueThenResults_PrintsTheIdThenResultsAndPoisonedRequests()
    {
        var (code, stdout, _) = await RunAsync("enqueue", """{"id": "r1", "model": "iris", "instances": []}""", "--store", _store.StorePath);
        var id = stdout.Trim();
        await _store.WriteAsync("queues/scoring-results/m1.json", """{"id": "m1", "text": "{\"id\":\"r0\"}", "insertedAt": "2030-01-01T00:00:00Z", "visibleAt": "2030-01-01T00:00:00Z"}""");
        await _store.WriteAsync("queues/scoring-requests-poison/m2.json", """{"id": "m2", "text": "oops", "dequeueCount": 1, "insertedAt": "2030-01-01T00:00:00Z", "visibleAt": "2030-01-01T00:00:00Z", "lastError": "The message is not valid JSON"}""");

        var (resultsCode, results, _) = await RunAsync("results", "--store", _store.StorePath);

        Assert.Equal(0, code);
        Assert.NotNull(await _store.ReadAsync($"queues/scoring-requests/{id}.json"));
        Assert.Equal(0, resultsCode);
        var lines = results.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal("{\"id\":\"r0\"}", lines[0]);
        var poison = JsonDocument.Parse(lines[1]).RootElement.GetProperty("poison");
        Assert.Equal(("m2", "The message is not valid JSON", "oops"), (poison.GetProperty("messageId").GetString(), poison.GetProperty("reason").GetString(), poison.GetProperty("message").GetString()));
    }

    private static async Task<(int Code, string Output, string Error)> RunAsync(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var code = await CommandLineApp.RunAsync(args, output, error);
        return (code, output.ToString(), error.ToString());
    }
}

using System.Diagnostics;
using System.Text.Json;
using FunctionsMl.Local.Tests.Support;

namespace FunctionsMl.Local.Tests.Scoring;

/// <summary>The plain drop folder beside the store, through the real executable.</summary>
public sealed class DropFolderTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private readonly LocalScoringTestStore _store = new();

    public void Dispose() => _store.Dispose();

    [Fact]
    public async Task Host_FilesCopiedToTheDropFolder_AreScoredAndTheirOutcomesCopiedBack()
    {
        var drop = Path.Combine(_store.Root, "drop");
        Directory.CreateDirectory(Path.Combine(drop, "incoming", "iris"));
        await File.WriteAllTextAsync(Path.Combine(drop, "incoming", "iris", "my batch.csv"), $"{LocalScoringTestStore.IrisHeader}\n5.1,3.5,1.4,0.2\n5.1,?,1.4,0.2\n");
        await File.WriteAllTextAsync(Path.Combine(drop, "incoming", "iris", "notes.txt"), "not data");

        using var host = Process.Start(new ProcessStartInfo("dotnet", [typeof(Program).Assembly.Location, "--store", _store.StorePath, "--urls", $"http://127.0.0.1:{LoopbackPort.Free()}"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            Environment = { ["FunctionsMl__LocalTriggers__DropFolder"] = drop, ["FunctionsMl__LocalTriggers__IncomingPollInterval"] = "00:00:00.200" },
        })!;
        try
        {
            var summary = await WaitForFileAsync(Path.Combine(drop, "scored", "iris", "my_batch.csv.summary.json"), host);
            var error = await WaitForFileAsync(Path.Combine(drop, "failed", "iris", "notes.txt.error.json"), host);

            Assert.Equal(1, JsonDocument.Parse(summary).RootElement.GetProperty("rejected").GetInt64());
            Assert.StartsWith($"{LocalScoringTestStore.IrisHeader},prediction,", await File.ReadAllTextAsync(Path.Combine(drop, "scored", "iris", "my_batch.csv")), StringComparison.Ordinal);
            Assert.StartsWith("line_number,field,reason,record", await File.ReadAllTextAsync(Path.Combine(drop, "scored", "iris", "my_batch.csv.rejected.csv")), StringComparison.Ordinal);
            Assert.Equal("not data", await File.ReadAllTextAsync(Path.Combine(drop, "failed", "iris", "notes.txt")));
            Assert.Equal("UnsupportedFormat", JsonDocument.Parse(error).RootElement.GetProperty("kind").GetString());
            Assert.Empty(Directory.GetFiles(Path.Combine(drop, "incoming"), "*", SearchOption.AllDirectories));
        }
        finally
        {
            host.Kill(entireProcessTree: true);
            await host.WaitForExitAsync();
        }
    }

    private static async Task<string> WaitForFileAsync(string file, Process host)
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (!File.Exists(file))
        {
            Assert.False(host.HasExited, "The host exited.");
            Assert.True(DateTime.UtcNow < deadline, $"'{file}' did not appear in time.");
            await Task.Delay(50);
        }

        return await File.ReadAllTextAsync(file);
    }

}

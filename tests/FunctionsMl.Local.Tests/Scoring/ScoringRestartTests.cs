using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using FunctionsMl.Local.Tests.Support;

namespace FunctionsMl.Local.Tests.Scoring;

/// <summary>The local host killed while it scores a file, then started again: the real executable, as a crash would hit it.</summary>
public sealed class ScoringRestartTests : IDisposable
{
    private const string Input = "incoming/iris/big.csv";
    private const int Rows = 400_000;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    private readonly LocalScoringTestStore _store = new();

    public void Dispose() => _store.Dispose();

    [Fact]
    public async Task Host_KilledMidFileThenRestarted_ScoresTheFileCompletelyOnceAndNeverShowsPartialOutput()
    {
        var text = new StringBuilder("n,").Append(LocalScoringTestStore.IrisHeader).Append('\n');
        for (var i = 0; i < Rows; i++)
        {
            text.Append(CultureInfo.InvariantCulture, $"{i},{LocalScoringTestStore.IrisRows[i % 150]}\n");
        }

        await _store.WriteAsync(Input, text.ToString());
        var scoredFolder = Path.Combine(_store.StorePath, "scored", "iris");

        using (var first = StartHost())
        {
            // The store streams the output into a temporary file beside the target: its first bytes mean scoring is
            // under way, with nearly the whole file still to go (waiting for more left too small a window on a fast machine).
            // The lease is written the same way (".big.csv.lease.json.*.tmp"), before scoring starts: that one does not count.
            await WaitUntilAsync(() => Directory.Exists(scoredFolder) && Directory.GetFiles(scoredFolder, ".big.csv.*.tmp").Any(IsOutputInProgress), first);
            first.Kill(entireProcessTree: true);
            await first.WaitForExitAsync();
        }

        Assert.Null(await _store.ReadAsync("scored/iris/big.csv"));
        Assert.Null(await _store.ReadAsync("scored/iris/big.csv.summary.json"));
        Assert.NotNull(await _store.ReadAsync("scored/iris/big.csv.lease.json"));
        Assert.NotNull(await _store.ReadAsync(Input));

        string summaryText;
        using (var second = StartHost())
        {
            await WaitUntilAsync(() => File.Exists(Path.Combine(scoredFolder, "big.csv.summary.json")), second);
            summaryText = (await _store.ReadAsync("scored/iris/big.csv.summary.json"))!;
            second.Kill(entireProcessTree: true);
            await second.WaitForExitAsync();
        }

        var summary = JsonDocument.Parse(summaryText).RootElement;
        Assert.Equal((Rows, Rows, 0L), (summary.GetProperty("rows").GetInt64(), summary.GetProperty("scored").GetInt64(), summary.GetProperty("rejected").GetInt64()));
        var lines = (await _store.ReadAsync("scored/iris/big.csv"))!.Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(Rows + 1, lines.Length);
        for (var i = 0; i < Rows; i++)
        {
            Assert.StartsWith($"{i},", lines[i + 1], StringComparison.Ordinal);
        }

        Assert.Null(await _store.ReadAsync(Input));
        Assert.Null(await _store.ReadAsync("scored/iris/big.csv.lease.json"));
    }

    private Process StartHost()
    {
        var start = new ProcessStartInfo("dotnet", [typeof(Program).Assembly.Location, "serve", "--store", _store.StorePath, "--urls", $"http://127.0.0.1:{LoopbackPort.Free()}"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };

        // One worker and a short claim: scoring takes long enough to be interrupted, and the restart may take over soon.
        start.Environment["FunctionsMl__Scoring__Workers"] = "1";
        start.Environment["FunctionsMl__Scoring__LeaseDuration"] = "00:00:02";
        start.Environment["FunctionsMl__LocalTriggers__ProcessQueue"] = "false";
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static bool IsOutputInProgress(string temporaryFile)
    {
        var file = new FileInfo(temporaryFile);
        // Refresh reads a file renamed away since the listing as absent (Length would throw).
        file.Refresh();
        return !file.Name.StartsWith(".big.csv.lease.json.", StringComparison.Ordinal) && file.Exists && file.Length > 0;
    }

    private static async Task WaitUntilAsync(Func<bool> condition, Process host)
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (!condition())
        {
            Assert.False(host.HasExited, $"The host exited with {(host.HasExited ? host.ExitCode : 0)}.");
            Assert.True(DateTime.UtcNow < deadline, "The host did not get there in time.");
            await Task.Delay(5);
        }
    }
}

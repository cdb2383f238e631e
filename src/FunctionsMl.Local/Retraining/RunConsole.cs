using System.Globalization;
using System.Text.Json;
using FunctionsMl.Serving.Hosting;
using FunctionsMl.Serving.Retraining;

namespace FunctionsMl.Local.Retraining;

/// <summary>Runs a retraining from the CLI and prints it: progress lines and a summary, or the run record as JSON.</summary>
public static class RunConsole
{
    /// <summary>The services the CLI verbs use: the shared composition root over the command line's settings.</summary>
    public static ServiceProvider BuildServices(Cli.CommandLine commandLine)
    {
        ArgumentNullException.ThrowIfNull(commandLine);
        IConfiguration configuration = new ConfigurationBuilder().AddInMemoryCollection(commandLine.ToConfiguration()).Build();
        return new ServiceCollection().AddLogging().AddFunctionsMl(configuration).BuildServiceProvider();
    }

    /// <returns>0 when the run succeeded (promoted or kept the champion), 1 when it failed or could not start.</returns>
    public static async Task<int> RunAsync(IServiceProvider services, string model, bool json, TextWriter output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(output);
        RetrainingService retraining = services.GetRequiredService<RetrainingService>();
        RetrainingRun run;
        try
        {
            run = await retraining.RunAsync(model, RunTrigger.Cli, json ? null : new LineProgress(output), cancellationToken);
        }
        catch (RetrainingAlreadyRunningException e)
        {
            await Console.Error.WriteLineAsync($"error: {e.Message}");
            return Cli.CommandLineApp.Failure;
        }

        if (json)
        {
            await output.WriteLineAsync(JsonSerializer.Serialize(run, RetrainingJson.Indented));
        }
        else
        {
            await WriteSummaryAsync(run, output);
        }

        return run.Status == RunStatus.Succeeded ? Cli.CommandLineApp.Success : Cli.CommandLineApp.Failure;
    }

    private static async Task WriteSummaryAsync(RetrainingRun run, TextWriter output)
    {
        await output.WriteLineAsync();
        if (run.Candidate is { } candidate)
        {
            await output.WriteLineAsync($"candidate:  {Metrics(candidate.Metrics)} ({candidate.HoldoutRows} held-out rows)");
        }

        if (run.Champion is { } champion)
        {
            string described = champion.Version is null
                ? "none (no production version yet)"
                : champion.Metrics is { } metrics ? $"version {champion.Version}: {Metrics(metrics)}" : $"version {champion.Version}: not scored ({champion.Note})";
            await output.WriteLineAsync($"champion:   {described}");
        }

        if (run.Decision is { } decision)
        {
            await output.WriteLineAsync($"decision:   {decision.ToString().ToLowerInvariant()}: {run.Reason}");
        }

        string result = run.Status switch
        {
            RunStatus.Succeeded when run.Promoted => $"version {run.Version} promoted to production",
            RunStatus.Succeeded when run.Version is null => "no version in production",
            RunStatus.Succeeded when run.Decision == GateVerdict.Promote => $"version {run.Version} registered, not promoted",
            RunStatus.Succeeded => $"production stays at version {run.Version}",
            _ => $"{run.Status.ToString().ToLowerInvariant()} in {run.FailedStep}: {run.Error}",
        };
        await output.WriteLineAsync($"result:     {result}");
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"run:        {run.Id} {run.Status.ToString().ToLowerInvariant()} in {run.DurationSeconds:0.###} s"));
    }

    private static string Metrics(IReadOnlyDictionary<string, double> metrics) =>
        string.Join(", ", metrics.Select(m => string.Create(CultureInfo.InvariantCulture, $"{m.Key} {m.Value:0.####}")));

    /// <summary>Writes each progress line as it comes, from whichever thread reports it.</summary>
    private sealed class LineProgress(TextWriter output) : IProgress<string>
    {
        private readonly Lock _gate = new();

        public void Report(string value)
        {
            lock (_gate)
            {
                output.WriteLine("  " + value);
                output.Flush();
            }
        }
    }
}

using System.Globalization;
using FunctionsMl.Serving.Scoring;

namespace FunctionsMl.Local.Cli;

/// <summary>Scores a local CSV or JSON-lines file with a model's production version from the store.</summary>
internal sealed class ScoreCommand : ICommand
{
    public string Name => "score";

    public string Usage => "score <name> --input <file> --output <file> [--store <dir>]";

    public string Summary => "score a CSV or JSON-lines file; rejected rows go beside the output";

    public async Task<int> RunAsync(CommandLine commandLine, TextWriter output, CancellationToken cancellationToken)
    {
        var model = commandLine.Positional(0, "name");
        var input = commandLine.Option("input") ?? throw new CommandLineException("'score' needs --input <file>.");
        var outputFile = commandLine.Option("output") ?? throw new CommandLineException("'score' needs --output <file>.");
        await using var services = LocalServices.Create(commandLine);
        LocalScoringResult result;
        try
        {
            result = await services.GetRequiredService<FileScorer>().ScoreLocalFileAsync(model, input, outputFile, cancellationToken).ConfigureAwait(false);
        }
        catch (UnscorableFileException ex)
        {
            await output.WriteLineAsync($"error: {input} cannot be scored ({ex.Kind}): {ex.Message}").ConfigureAwait(false);
            return CommandLineApp.Failure;
        }

        var counts = result.Counts;
        await output.WriteLineAsync(string.Create(
            CultureInfo.InvariantCulture,
            $"scored {counts.Scored} of {counts.Rows} rows with {result.Model} version {result.Version} ({counts.Rejected} rejected) in {result.Elapsed.TotalSeconds:F2} s")).ConfigureAwait(false);
        await output.WriteLineAsync($"output:   {result.Output}").ConfigureAwait(false);
        if (result.RejectedOutput is not null)
        {
            await output.WriteLineAsync($"rejected: {result.RejectedOutput}").ConfigureAwait(false);
        }

        return CommandLineApp.Success;
    }
}

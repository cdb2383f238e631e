using FunctionsMl.Engine.Data;
using FunctionsMl.Engine.Featurization;
using FunctionsMl.Engine.Models;
using FunctionsMl.Serving.Prediction;
using FunctionsMl.Serving.Registry;

namespace FunctionsMl.Local.Cli;

/// <summary>Dispatches the command line to a verb and turns user errors into a message and exit code 2.</summary>
public static class CommandLineApp
{
    public const int Success = 0;
    public const int Failure = 1;
    public const int UsageError = 2;

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken = default)
    {
        var commands = Commands.All;
        CommandLine commandLine;
        try
        {
            commandLine = CommandLine.Parse(args);
        }
        catch (CommandLineException ex)
        {
            await error.WriteLineAsync(ex.Message).ConfigureAwait(false);
            await WriteUsageAsync(error, commands).ConfigureAwait(false);
            return UsageError;
        }

        if (commandLine.Verb is "help" or "--help" || commandLine.Flag("help"))
        {
            await WriteUsageAsync(output, commands).ConfigureAwait(false);
            return Success;
        }

        var command = commands.FirstOrDefault(c => c.Name == commandLine.Verb);
        if (command is null)
        {
            await error.WriteLineAsync($"Unknown command '{commandLine.Verb}'.").ConfigureAwait(false);
            await WriteUsageAsync(error, commands).ConfigureAwait(false);
            return UsageError;
        }

        try
        {
            return await command.RunAsync(commandLine, output, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsUserError(ex))
        {
            await error.WriteLineAsync($"error: {ex.Message}").ConfigureAwait(false);
            if (ex is CommandLineException)
            {
                await error.WriteLineAsync($"usage: functionsml {command.Usage}").ConfigureAwait(false);
            }

            return UsageError;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await error.WriteLineAsync("cancelled").ConfigureAwait(false);
            return Failure;
        }
    }

    /// <summary>Errors that are the user's to fix: shown as one line, not a stack trace.</summary>
    private static bool IsUserError(Exception ex) => ex is CommandLineException or ModelDefinitionException or DataFormatException
        or FeatureInputException or PredictionInputException or ModelNotFoundException or ModelNotReadyException
        or ModelFormatException or FileNotFoundException or DirectoryNotFoundException;

    private static async Task WriteUsageAsync(TextWriter writer, IReadOnlyList<ICommand> commands)
    {
        await writer.WriteLineAsync("usage: functionsml <command> [arguments] [--store <dir>] [--models <dir>]").ConfigureAwait(false);
        await writer.WriteLineAsync().ConfigureAwait(false);
        foreach (var command in commands)
        {
            await writer.WriteLineAsync($"  {command.Usage,-58} {command.Summary}").ConfigureAwait(false);
        }
    }
}

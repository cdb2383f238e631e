using FunctionsMl.Local.Retraining;

namespace FunctionsMl.Local.Cli;

/// <summary>Retrains a model already in the store, now.</summary>
internal sealed class RetrainCommand : ICommand
{
    public string Name => "retrain";

    public string Usage => "retrain <name> [--json] [--store <dir>]";

    public string Summary => "run the retraining of a model in the store now, with progress";

    public async Task<int> RunAsync(CommandLine commandLine, TextWriter output, CancellationToken cancellationToken)
    {
        string model = commandLine.Positional(0, "name");
        await using ServiceProvider services = RunConsole.BuildServices(commandLine);
        return await RunConsole.RunAsync(services, model, commandLine.Flag("json"), output, cancellationToken);
    }
}

using FunctionsMl.Local.Retraining;
using FunctionsMl.Serving.Definitions;

namespace FunctionsMl.Local.Cli;

/// <summary>Publishes a model folder into the store and retrains it now.</summary>
internal sealed class TrainCommand : ICommand
{
    public string Name => "train";

    public string Usage => "train <model-dir> [--json] [--store <dir>]";

    public string Summary => "publish a model folder into the store and run its retraining now";

    public async Task<int> RunAsync(CommandLine commandLine, TextWriter output, CancellationToken cancellationToken)
    {
        string directory = commandLine.Positional(0, "model-dir");
        bool json = commandLine.Flag("json");
        await using ServiceProvider services = RunConsole.BuildServices(commandLine);
        DefinitionPublication published = await services.GetRequiredService<DefinitionPublisher>().PublishAsync(directory, cancellationToken);
        if (!json)
        {
            await output.WriteLineAsync(
                $"published {published.Model} from {directory}: definition {(published.DefinitionChanged ? "updated" : "unchanged")}, " +
                $"{published.Uploaded.Count} data file(s) uploaded, {published.Unchanged.Count} unchanged, {published.Removed.Count} removed");
        }

        return await RunConsole.RunAsync(services, published.Model, json, output, cancellationToken);
    }
}

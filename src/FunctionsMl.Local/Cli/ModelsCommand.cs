using System.Globalization;
using System.Text.Json;
using FunctionsMl.Engine.Models;
using FunctionsMl.Serving.Registry;

namespace FunctionsMl.Local.Cli;

/// <summary>Lists models, their versions with the headline metric, and their aliases.</summary>
internal sealed class ModelsCommand : ICommand
{
    public string Name => "models";

    public string Usage => "models";

    public string Summary => "list models, versions and aliases in the store";

    public async Task<int> RunAsync(CommandLine commandLine, TextWriter output, CancellationToken cancellationToken)
    {
        await using var services = LocalServices.Create(commandLine);
        var registry = services.GetRequiredService<ModelRegistry>();
        var names = await registry.ListModelsAsync(cancellationToken).ConfigureAwait(false);
        if (names.Count == 0)
        {
            await output.WriteLineAsync("No models yet. Train one with: functionsml train models/iris").ConfigureAwait(false);
            return CommandLineApp.Success;
        }

        foreach (var name in names)
        {
            var aliases = await registry.GetAliasesAsync(name, cancellationToken).ConfigureAwait(false);
            await output.WriteLineAsync($"{name}  aliases: {(aliases.Aliases.Count == 0 ? "none" : string.Join(", ", aliases.Aliases.Select(a => $"{a.Key} -> {a.Value}")))}").ConfigureAwait(false);
            foreach (var version in (await registry.ListVersionsAsync(name, cancellationToken).ConfigureAwait(false)).OrderByDescending(v => v.Number))
            {
                var manifest = version.Manifest.Deserialize<ModelManifest>(ModelManifest.JsonOptions)!;
                var metrics = string.Join(", ", manifest.Metrics.Select(m => string.Create(CultureInfo.InvariantCulture, $"{m.Key} {m.Value:0.####}")));
                var pointedBy = aliases.Aliases.Where(a => a.Value == version.Version).Select(a => a.Key).ToArray();
                await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"  v{version.Version,-4} {manifest.Trainer.Type,-6} {version.RegisteredAt:yyyy-MM-dd HH:mm}Z  {metrics}{(pointedBy.Length > 0 ? "  <- " + string.Join(", ", pointedBy) : string.Empty)}")).ConfigureAwait(false);
            }
        }

        return CommandLineApp.Success;
    }
}

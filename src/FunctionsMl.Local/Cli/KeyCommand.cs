using FunctionsMl.Serving.Hosting;
using FunctionsMl.Serving.Storage;

namespace FunctionsMl.Local.Cli;

/// <summary>Prints the store's management key, for the x-functions-key header.</summary>
internal sealed class KeyCommand : ICommand
{
    public string Name => "key";

    public string Usage => "key";

    public string Summary => "print the management API key of the store (made on first use)";

    public async Task<int> RunAsync(CommandLine commandLine, TextWriter output, CancellationToken cancellationToken)
    {
        var store = new FileSystemObjectStore(commandLine.Option("store") ?? new FunctionsMlOptions().StorePath);
        await output.WriteLineAsync(await LocalApiKey.GetOrCreateAsync(store, cancellationToken).ConfigureAwait(false)).ConfigureAwait(false);
        return CommandLineApp.Success;
    }
}

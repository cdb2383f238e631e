namespace FunctionsMl.Local.Cli;

/// <summary>Runs the local host until Ctrl+C.</summary>
internal sealed class ServeCommand : ICommand
{
    public string Name => "serve";

    public string Usage => "serve [--urls <url>] [--api-key <key>] [--no-train]";

    public string Summary => "serve every model over HTTP (the default command)";

    public async Task<int> RunAsync(CommandLine commandLine, TextWriter output, CancellationToken cancellationToken)
    {
        var app = LocalHost.Build(commandLine);
        await app.RunAsync(cancellationToken).ConfigureAwait(false);
        return CommandLineApp.Success;
    }
}

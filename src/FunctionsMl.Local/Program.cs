using FunctionsMl.Local.Cli;

using var cancellation = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    // The first Ctrl+C stops gracefully; the host drains in-flight requests.
    e.Cancel = true;
    cancellation.Cancel();
};

return await CommandLineApp.RunAsync(args, Console.Out, Console.Error, cancellation.Token);

/// <summary>The local host's entry point, visible to its end-to-end tests.</summary>
public partial class Program;

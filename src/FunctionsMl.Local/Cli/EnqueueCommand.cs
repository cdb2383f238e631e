using FunctionsMl.Serving.Queues;

namespace FunctionsMl.Local.Cli;

/// <summary>Puts a scoring request on the local <c>scoring-requests</c> queue.</summary>
internal sealed class EnqueueCommand : ICommand
{
    public string Name => "enqueue";

    public string Usage => "enqueue '<json>' [--store <dir>]";

    public string Summary => "queue a request {\"id\", \"model\", \"instances\"}; prints the message id";

    public async Task<int> RunAsync(CommandLine commandLine, TextWriter output, CancellationToken cancellationToken)
    {
        var message = commandLine.Positional(0, "json");
        await using var services = LocalServices.Create(commandLine);
        var id = await services.GetRequiredService<StoreQueues>().Requests.EnqueueAsync(message, cancellationToken: cancellationToken).ConfigureAwait(false);
        await output.WriteLineAsync(id).ConfigureAwait(false);
        return CommandLineApp.Success;
    }
}

using System.Text.Encodings.Web;
using System.Text.Json;
using FunctionsMl.Serving.Queues;

namespace FunctionsMl.Local.Cli;

/// <summary>Prints the local scoring results and the requests set aside as poison, one JSON object per line.</summary>
/// <remarks>
/// Results are printed as published (<c>{"id", "model", "version", "predictions"}</c>); a poisoned request as
/// <c>{"poison": {"messageId", "dequeueCount", "reason", "message"}}</c>. Nothing is removed from the queues.
/// </remarks>
internal sealed class ResultsCommand : ICommand
{
    private static readonly TimeSpan FollowInterval = TimeSpan.FromSeconds(1);

    public string Name => "results";

    public string Usage => "results [--follow] [--store <dir>]";

    public string Summary => "print scoring results and poisoned requests (with reasons); --follow keeps printing";

    public async Task<int> RunAsync(CommandLine commandLine, TextWriter output, CancellationToken cancellationToken)
    {
        await using var services = LocalServices.Create(commandLine);
        var queues = services.GetRequiredService<StoreQueues>();
        var printed = new HashSet<string>(StringComparer.Ordinal);
        while (true)
        {
            await foreach (var message in queues.Results.PeekAllAsync(cancellationToken).ConfigureAwait(false))
            {
                if (printed.Add($"r/{message.Id}"))
                {
                    await output.WriteLineAsync(message.Text).ConfigureAwait(false);
                }
            }

            await foreach (var message in queues.Poison.PeekAllAsync(cancellationToken).ConfigureAwait(false))
            {
                if (printed.Add($"p/{message.Id}"))
                {
                    await output.WriteLineAsync(DescribePoison(message)).ConfigureAwait(false);
                }
            }

            await output.FlushAsync(cancellationToken).ConfigureAwait(false);
            if (!commandLine.Flag("follow"))
            {
                return CommandLineApp.Success;
            }

            try
            {
                await Task.Delay(FollowInterval, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return CommandLineApp.Success;
            }
        }
    }

    private static string DescribePoison(QueueMessage message)
    {
        using var buffer = new MemoryStream();
        // Relaxed escaping: this is read in a terminal, where \u0027 for a quote only hurts.
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            writer.WriteStartObject();
            writer.WriteStartObject("poison");
            writer.WriteString("messageId", message.Id);
            writer.WriteNumber("dequeueCount", message.DequeueCount);
            writer.WriteString("reason", message.LastError);
            writer.WriteString("message", message.Text);
            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }
}

using System.Text;
using System.Text.Json;
using FunctionsMl.Serving.Hosting;
using FunctionsMl.Serving.Prediction;
using Microsoft.Extensions.Options;

namespace FunctionsMl.Local.Cli;

/// <summary>Predicts one row or a batch from the command line, through the same code as the HTTP API.</summary>
internal sealed class PredictCommand : ICommand
{
    public string Name => "predict";

    public string Usage => "predict <name> '<json>' [--version <v>]";

    public string Summary => "predict a JSON row or {\"instances\":[...]} with a model";

    public async Task<int> RunAsync(CommandLine commandLine, TextWriter output, CancellationToken cancellationToken)
    {
        var name = commandLine.Positional(0, "name");
        var json = commandLine.Positional(1, "json");
        await using var services = LocalServices.Create(commandLine);
        var options = services.GetRequiredService<IOptions<FunctionsMlOptions>>().Value;
        var served = await services.GetRequiredService<IModelResolver>().ResolveAsync(name, commandLine.Option("version"), cancellationToken).ConfigureAwait(false);

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json);
        }
        catch (JsonException ex)
        {
            throw new CommandLineException($"<json> is not valid JSON: {ex.Message}");
        }

        using (document)
        {
            var rows = PredictionRows.From(document.RootElement, options.MaxBatchRows);
            var outputs = RowScorer.Score(served.Model, rows, options.AllowUnknownFields);
            using var buffer = new MemoryStream();
            using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
            {
                PredictionJson.WriteResponse(writer, "cli", served.Name, served.Version, served.Model.Manifest, rows.IsBatch, outputs);
            }

            await output.WriteLineAsync(Encoding.UTF8.GetString(buffer.ToArray())).ConfigureAwait(false);
        }

        return CommandLineApp.Success;
    }
}

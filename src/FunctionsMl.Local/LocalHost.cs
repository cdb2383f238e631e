using FunctionsMl.Local.Cli;
using FunctionsMl.Local.Retraining;
using FunctionsMl.Serving.Hosting;
using FunctionsMl.Serving.Http;
using FunctionsMl.Serving.Storage;

namespace FunctionsMl.Local;

/// <summary>Builds the local host: the shared services and API on Kestrel, plus the local stand-ins for Azure's triggers.</summary>
public static partial class LocalHost
{
    public const string DefaultUrl = "http://localhost:7071";

    private static readonly byte[] ConstantPrediction =
        """{"id":"0","model":"iris","version":"1","prediction":{"label":"versicolor","probabilities":{"setosa":0.01,"versicolor":0.98,"virginica":0.01}}}"""u8.ToArray();

    public static WebApplication Build(CommandLine commandLine)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ContentRootPath = Directory.GetCurrentDirectory() });
        builder.Configuration.AddInMemoryCollection(commandLine.ToConfiguration());
        builder.WebHost.UseUrls(builder.Configuration["urls"] ?? DefaultUrl);

        // One line per request is noise at this volume; FunctionsMl's own events stay at Information.
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        var generatedKey = EnsureApiKey(builder.Configuration);
        builder.Services.AddFunctionsMl(builder.Configuration);
        builder.Services.AddLocalRetraining(commandLine);
        builder.Services.AddProblemDetails();
        builder.Services.AddOpenApi();
        builder.Services.AddLocalScoringTriggers(builder.Configuration);

        var app = builder.Build();
        app.UseStatusCodePages();
        app.MapOpenApi();
        app.MapFunctionsMlApi();
        app.MapRetrainingApi();
        if (commandLine.Flag("bench-endpoints"))
        {
            // The baseline of bench/http/run.sh: the same host and pipeline, answering without any model work.
            app.MapPost("/bench/constant", () => Results.Bytes(ConstantPrediction, "application/json; charset=utf-8")).ExcludeFromDescription();
        }
        if (generatedKey is not null)
        {
            LogGeneratedKey(app.Logger, generatedKey);
        }

        return app;
    }

    /// <summary>Management calls always need a key; without one configured, the store's own key is used (made on first start).</summary>
    private static string? EnsureApiKey(ConfigurationManager configuration)
    {
        const string key = $"{FunctionsMlOptions.SectionName}:{nameof(FunctionsMlOptions.ApiKey)}";
        if (!string.IsNullOrEmpty(configuration[key]))
        {
            return null;
        }

        var storePath = configuration[$"{FunctionsMlOptions.SectionName}:{nameof(FunctionsMlOptions.StorePath)}"] ?? new FunctionsMlOptions().StorePath;
        var stored = LocalApiKey.GetOrCreateAsync(new FileSystemObjectStore(storePath), CancellationToken.None).GetAwaiter().GetResult();
        configuration[key] = stored;
        return stored;
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "Management calls need the header x-functions-key: {ApiKey} (this store's key; `functionsml key` prints it, --api-key sets your own)")]
    private static partial void LogGeneratedKey(ILogger logger, string apiKey);
}

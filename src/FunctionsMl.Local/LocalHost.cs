using System.Security.Cryptography;
using FunctionsMl.Local.Cli;
using FunctionsMl.Serving.Hosting;
using FunctionsMl.Serving.Http;

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
        var generatedKey = EnsureApiKey(builder.Configuration);
        builder.Services.AddFunctionsMl(builder.Configuration);
        builder.Services.AddProblemDetails();
        builder.Services.AddOpenApi();

        var app = builder.Build();
        app.UseStatusCodePages();
        app.MapOpenApi();
        app.MapFunctionsMlApi();
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

    /// <summary>Management calls always need a key; without one configured, a random key is made for this run and printed.</summary>
    private static string? EnsureApiKey(ConfigurationManager configuration)
    {
        const string key = $"{FunctionsMlOptions.SectionName}:{nameof(FunctionsMlOptions.ApiKey)}";
        if (!string.IsNullOrEmpty(configuration[key]))
        {
            return null;
        }

        var generated = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        configuration[key] = generated;
        return generated;
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "No API key configured (--api-key or FunctionsMl__ApiKey); management calls need this one for this run: x-functions-key: {ApiKey}")]
    private static partial void LogGeneratedKey(ILogger logger, string apiKey);
}

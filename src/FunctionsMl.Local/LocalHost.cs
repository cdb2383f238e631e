using FunctionsMl.Local.Cli;
using FunctionsMl.Serving.Hosting;

namespace FunctionsMl.Local;

/// <summary>Builds the local host: the shared services and API on Kestrel, plus the local stand-ins for Azure's triggers.</summary>
public static class LocalHost
{
    public const string DefaultUrl = "http://localhost:7071";

    public static WebApplication Build(CommandLine commandLine)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ContentRootPath = Directory.GetCurrentDirectory() });
        builder.Configuration.AddInMemoryCollection(commandLine.ToConfiguration());
        builder.WebHost.UseUrls(builder.Configuration["urls"] ?? DefaultUrl);
        builder.Services.AddFunctionsMl(builder.Configuration);
        builder.Services.AddLocalScoringTriggers(builder.Configuration);

        var app = builder.Build();
        app.MapGet("/v2/health/live", () => Results.Ok(new { live = true }));
        return app;
    }
}

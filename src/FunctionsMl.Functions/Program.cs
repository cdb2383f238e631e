using FunctionsMl.Functions.Hosting;
using FunctionsMl.Functions.Storage;
using FunctionsMl.Serving.Hosting;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

// The Azure host: HTTP functions over the shared handlers (ASP.NET Core integration), the model store in
// blob storage, telemetry to Application Insights.
var builder = FunctionsApplication.CreateBuilder(args);
builder.ConfigureFunctionsWebApplication();

builder.Services
    .AddApplicationInsightsTelemetryWorkerService()
    .ConfigureFunctionsApplicationInsights();
builder.Services.Configure<LoggerFilterOptions>(ApplicationInsightsLogging.KeepConfiguredLevels);

// The blob store first: AddFunctionsMl registers the file-system store only when no store is registered.
builder.Services.AddFunctionsMlAzureStorage(builder.Configuration);
builder.Services.AddFunctionsMl(builder.Configuration);

builder.Build().Run();

using FunctionsMl.Functions.Hosting;
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

builder.Services.AddFunctionsMlApp(builder.Configuration);

builder.Build().Run();

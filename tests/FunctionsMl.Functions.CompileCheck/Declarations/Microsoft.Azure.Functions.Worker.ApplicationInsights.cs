// Declarations of the Application Insights registration that src/FunctionsMl.Functions/Program.cs uses (see README.md).
// Source: Azure/azure-functions-dotnet-worker src/DotNetWorker.ApplicationInsights/FunctionsApplicationInsightsExtensions.cs,
// tag application-insights-2.51.0 (package Microsoft.Azure.Functions.Worker.ApplicationInsights 2.51.0).
using Microsoft.Extensions.DependencyInjection;

namespace Microsoft.Azure.Functions.Worker;

public static class FunctionsApplicationInsightsExtensions
{
    public static IServiceCollection ConfigureFunctionsApplicationInsights(this IServiceCollection services) =>
        throw new NotImplementedException();
}

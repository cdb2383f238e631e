// Declarations of the Application Insights registration that src/FunctionsMl.Functions/Program.cs uses (see README.md).
// Source: microsoft/ApplicationInsights-dotnet NETCORE/src/Microsoft.ApplicationInsights.WorkerService/ApplicationInsightsExtensions.cs
// (package Microsoft.ApplicationInsights.WorkerService 2.23.0; the parameterless overload, present in every version).
namespace Microsoft.Extensions.DependencyInjection;

public static partial class ApplicationInsightsExtensions
{
    public static IServiceCollection AddApplicationInsightsTelemetryWorkerService(this IServiceCollection services) =>
        throw new NotImplementedException();
}

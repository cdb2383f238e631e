using Microsoft.Extensions.Logging;

namespace FunctionsMl.Functions.Hosting;

/// <summary>Logging adjustments for the worker's Application Insights provider.</summary>
public static class ApplicationInsightsLogging
{
    public const string ProviderName = "Microsoft.Extensions.Logging.ApplicationInsights.ApplicationInsightsLoggerProvider";

    /// <summary>
    /// Removes the rule the Application Insights SDK adds to send only warnings and errors through its provider,
    /// so the worker's own levels (<c>Logging:LogLevel</c>, Information by default) decide what reaches it.
    /// </summary>
    public static void KeepConfiguredLevels(LoggerFilterOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Rules.Where(rule => rule.ProviderName == ProviderName).ToList().ForEach(rule => options.Rules.Remove(rule));
    }
}

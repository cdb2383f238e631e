using FunctionsMl.Functions.Hosting;
using Microsoft.Extensions.Logging;

namespace FunctionsMl.Functions.Tests.Hosting;

public sealed class ApplicationInsightsLoggingTests
{
    [Fact]
    public void KeepConfiguredLevels_RemovesOnlyTheApplicationInsightsWarningRule()
    {
        var options = new LoggerFilterOptions();
        options.Rules.Add(new LoggerFilterRule(ApplicationInsightsLogging.ProviderName, null, LogLevel.Warning, null));
        var console = new LoggerFilterRule("Console", "FunctionsMl", LogLevel.Debug, null);
        options.Rules.Add(console);

        ApplicationInsightsLogging.KeepConfiguredLevels(options);

        Assert.Equal([console], options.Rules);
    }
}

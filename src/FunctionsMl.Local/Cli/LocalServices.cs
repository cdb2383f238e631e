using FunctionsMl.Serving.Hosting;

namespace FunctionsMl.Local.Cli;

/// <summary>The shared services for a CLI verb, over the same store and settings the host would use.</summary>
internal static class LocalServices
{
    public static ServiceProvider Create(CommandLine commandLine)
    {
        var configuration = new ConfigurationBuilder()
            .AddEnvironmentVariables()
            .AddInMemoryCollection(commandLine.ToConfiguration())
            .Build();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddLogging(logging => logging.AddConfiguration(configuration.GetSection("Logging")).AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning));
        services.AddFunctionsMl(configuration);
        return services.BuildServiceProvider();
    }
}

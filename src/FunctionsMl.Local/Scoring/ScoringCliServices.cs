using FunctionsMl.Local.Cli;
using FunctionsMl.Serving.Hosting;

namespace FunctionsMl.Local.Scoring;

/// <summary>The shared services a scoring verb needs, built from the command line's <c>--store</c> and <c>--models</c>.</summary>
internal static class ScoringCliServices
{
    public static ServiceProvider Build(CommandLine commandLine)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(commandLine.ToConfiguration()).Build();
        return new ServiceCollection().AddLogging().AddFunctionsMl(configuration).BuildServiceProvider();
    }
}

// Declarations of the Functions worker API that src/FunctionsMl.Functions/Program.cs uses (see README.md).
// Sources, Azure/azure-functions-dotnet-worker:
//   src/DotNetWorker/Builder/{FunctionsApplication,FunctionsApplicationBuilder}.cs      tag 2.52.0
//   extensions/Worker.Extensions.Http.AspNetCore/src/FunctionsApplicationBuilderAspNetCoreExtensions.cs
//                                                                                    tag http-aspnetcore-extension-2.1.1
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Microsoft.Azure.Functions.Worker.Builder;

public class FunctionsApplication
{
    public static FunctionsApplicationBuilder CreateBuilder(string[] args) => throw new NotImplementedException();
}

// The real class also implements IFunctionsWorkerApplicationBuilder (worker middleware), which the sources do not use.
public class FunctionsApplicationBuilder : IHostApplicationBuilder
{
    internal FunctionsApplicationBuilder()
    {
    }

    public IDictionary<object, object> Properties => throw new NotImplementedException();

    IConfigurationManager IHostApplicationBuilder.Configuration => Configuration;

    public ConfigurationManager Configuration => throw new NotImplementedException();

    public IHostEnvironment Environment => throw new NotImplementedException();

    public ILoggingBuilder Logging => throw new NotImplementedException();

    public IMetricsBuilder Metrics => throw new NotImplementedException();

    public IServiceCollection Services => throw new NotImplementedException();

    public IHost Build() => throw new NotImplementedException();

    public void ConfigureContainer<TContainerBuilder>(IServiceProviderFactory<TContainerBuilder> factory, Action<TContainerBuilder>? configure = null)
        where TContainerBuilder : notnull =>
        throw new NotImplementedException();
}

public static class FunctionsApplicationBuilderAspNetCoreExtensions
{
    public static FunctionsApplicationBuilder ConfigureFunctionsWebApplication(this FunctionsApplicationBuilder builder) =>
        throw new NotImplementedException();
}

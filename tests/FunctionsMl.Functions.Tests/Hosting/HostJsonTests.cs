using System.Text.Json;
using FunctionsMl.Functions.Tests.Metadata;
using FunctionsMl.Functions.Tests.Support;
using FunctionsMl.Serving.Queues;

namespace FunctionsMl.Functions.Tests.Hosting;

/// <summary>The host.json settings the routes, the scoring bindings and the infrastructure rely on.</summary>
public sealed class HostJsonTests
{
    [Fact]
    public void RoutePrefix_IsEmpty_SoBothHostsServeTheSamePaths()
    {
        Assert.Equal(string.Empty, HostJson.RoutePrefix);
    }

    [Fact]
    public void Queues_SetAsideAMessageAfterFiveTriesAndReadBase64()
    {
        // The scoring function sets a message aside itself, with the reason, on the delivery it believes is the last.
        Assert.Equal(5, HostJson.At("extensions", "queues", "maxDequeueCount").GetInt32());
        Assert.Equal(QueueProcessorDefaults.MaxDequeueCount, HostJson.At("extensions", "queues", "maxDequeueCount").GetInt32());
        Assert.Equal("base64", HostJson.At("extensions", "queues", "messageEncoding").GetString());
    }

    [Fact]
    public void Blobs_SetAsideABlobAfterFiveTries()
    {
        Assert.Equal(5, HostJson.At("extensions", "blobs", "poisonBlobThreshold").GetInt32());
    }

    [Fact]
    public void DurableTask_UsesTheTaskHubTheInfrastructureNames()
    {
        var hubName = HostJson.At("extensions", "durableTask", "hubName").GetString()!;

        Assert.Equal("%TASKHUB_NAME%", hubName);
        Assert.Contains("TASKHUB_NAME", InfrastructureFacts.Repository.AppSettings);
        Assert.Equal("AzureStorage", HostJson.At("extensions", "durableTask", "storageProvider", "type").GetString());
        Assert.Equal("AzureWebJobsStorage", HostJson.At("extensions", "durableTask", "storageProvider", "connectionName").GetString());
        Assert.Contains("AzureWebJobsStorage__tableServiceUri", InfrastructureFacts.Repository.AppSettings);
    }

    [Fact]
    public void FunctionTimeout_IsSetAndWithinAnHour()
    {
        var timeout = TimeSpan.Parse(HostJson.At("functionTimeout").GetString()!, System.Globalization.CultureInfo.InvariantCulture);

        Assert.InRange(timeout, TimeSpan.FromMinutes(5), TimeSpan.FromHours(1));
    }

    [Fact]
    public void Logging_KeepsRequestsOutOfSampling()
    {
        Assert.True(HostJson.At("logging", "applicationInsights", "samplingSettings", "isEnabled").GetBoolean());
        Assert.Contains("Request", HostJson.At("logging", "applicationInsights", "samplingSettings", "excludedTypes").GetString()!, StringComparison.Ordinal);
        Assert.Equal(JsonValueKind.String, HostJson.At("logging", "logLevel", "default").ValueKind);
    }
}

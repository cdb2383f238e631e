using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;

namespace FunctionsMl.Functions.IntegrationTests;

/// <summary>
/// The storage account the tests use: Azurite (<c>UseDevelopmentStorage=true</c>) unless
/// <c>FUNCTIONSML_TEST_STORAGE</c> holds another connection string. Fails fast, saying how to start Azurite,
/// when nothing answers.
/// </summary>
public sealed class AzuriteFixture
{
    public const string ConnectionVariable = "FUNCTIONSML_TEST_STORAGE";

    /// <summary>The containers of the model store (DESIGN.md §4) that the contract tests write to.</summary>
    private static readonly string[] Containers = ["models", "training", "incoming", "scored", "failed", "runs"];

    public AzuriteFixture()
    {
        var connectionString = Environment.GetEnvironmentVariable(ConnectionVariable) is { Length: > 0 } configured
            ? configured
            : "UseDevelopmentStorage=true";
        var options = new BlobClientOptions();
        options.Retry.MaxRetries = 1;
        options.Retry.NetworkTimeout = TimeSpan.FromSeconds(20);
        Service = new BlobServiceClient(connectionString, options);
        try
        {
            Service.GetProperties();
        }
        catch (Exception ex) when (ex is RequestFailedException or AggregateException or HttpRequestException)
        {
            throw new InvalidOperationException(
                $"No blob service answers at '{Service.Uri}'. Start Azurite (npm install -g azurite; azurite --silent --location /tmp/azurite &) " +
                $"or set {ConnectionVariable} to a storage connection string.", ex);
        }
    }

    public BlobServiceClient Service { get; }

    /// <summary>Deletes every blob of the model store's containers, so each test starts from an empty store.</summary>
    public void EmptyContainers()
    {
        foreach (var name in Containers)
        {
            var container = Service.GetBlobContainerClient(name);
            if (!container.Exists().Value)
            {
                continue;
            }

            foreach (var blob in container.GetBlobs(BlobTraits.None, BlobStates.None, null, CancellationToken.None))
            {
                container.DeleteBlobIfExists(blob.Name, DeleteSnapshotsOption.IncludeSnapshots);
            }
        }
    }
}

/// <summary>One account for every test class, used one test at a time: the contract tests start from an empty store.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class AzuriteCollection : ICollectionFixture<AzuriteFixture>
{
    public const string Name = "Azurite";
}

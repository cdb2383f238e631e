using FunctionsMl.Functions.Storage;
using FunctionsMl.Serving.Storage;
using FunctionsMl.Serving.Tests.Storage;

namespace FunctionsMl.Functions.IntegrationTests;

/// <summary>The storage port's contract, kept by blob storage.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class AzureBlobObjectStoreContractTests(AzuriteFixture azurite) : ObjectStoreContractTests
{
    /// <summary>Blob storage stamps Last-Modified with the service's clock, not the test's.</summary>
    protected override bool StampsWritesWithTimeProvider => false;

    protected override IObjectStore CreateStore(TimeProvider timeProvider)
    {
        azurite.EmptyContainers();
        return new AzureBlobObjectStore(azurite.Service);
    }
}

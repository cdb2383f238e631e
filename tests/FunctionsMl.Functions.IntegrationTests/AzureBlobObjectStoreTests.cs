using System.Text;
using Azure.Storage.Blobs.Models;
using FunctionsMl.Functions.Storage;
using FunctionsMl.Serving.Storage;

namespace FunctionsMl.Functions.IntegrationTests;

/// <summary>What the blob store does beyond the port's contract.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class AzureBlobObjectStoreTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task WriteAsync_ContainerDoesNotExist_CreatesItAndWrites()
    {
        var container = "it-" + Guid.NewGuid().ToString("N")[..12];
        var store = new AzureBlobObjectStore(azurite.Service);
        try
        {
            var eTag = await store.WriteAsync($"{container}/a/b.txt", Encoding.UTF8.GetBytes("created"), WriteCondition.IfNoneMatch);

            var read = await store.ReadAsync($"{container}/a/b.txt");
            Assert.Equal("created", Encoding.UTF8.GetString(read!.Content.Span));
            Assert.Equal(eTag, read.ETag);
        }
        finally
        {
            await azurite.Service.GetBlobContainerClient(container).DeleteIfExistsAsync();
        }
    }

    [Fact]
    public async Task ReadAndList_ContainerDoesNotExist_SeeNothing()
    {
        var container = "it-" + Guid.NewGuid().ToString("N")[..12];
        var store = new AzureBlobObjectStore(azurite.Service);

        Assert.Null(await store.ReadAsync($"{container}/a.txt"));
        Assert.Null(await store.GetETagAsync($"{container}/a.txt"));
        Assert.False(await store.DeleteAsync($"{container}/a.txt", WriteCondition.None));
        await foreach (var unexpected in store.ListAsync($"{container}/"))
        {
            Assert.Fail($"listed {unexpected.Path} in a container that does not exist");
        }
    }

    [Fact]
    public async Task ListAsync_BlobNamedOutsideThePathRules_IsSkipped()
    {
        azurite.EmptyContainers();
        var store = new AzureBlobObjectStore(azurite.Service);
        await store.WriteAsync("incoming/iris/ok.csv", Encoding.UTF8.GetBytes("a"), WriteCondition.None);
        await azurite.Service.GetBlobContainerClient("incoming").UploadBlobAsync("iris/with space.csv", BinaryData.FromString("b"));

        var listed = new List<string>();
        await foreach (var info in store.ListAsync("incoming/"))
        {
            listed.Add(info.Path);
        }

        Assert.Equal(["incoming/iris/ok.csv"], listed);
    }

    [Fact]
    public async Task WriteAsync_IfMatchWithTheETagTheSdkReports_Replaces()
    {
        azurite.EmptyContainers();
        var store = new AzureBlobObjectStore(azurite.Service);
        await store.WriteAsync("models/iris/aliases.json", Encoding.UTF8.GetBytes("v1"), WriteCondition.None);
        BlobProperties properties = await azurite.Service.GetBlobContainerClient("models").GetBlobClient("iris/aliases.json").GetPropertiesAsync();

        await store.WriteAsync("models/iris/aliases.json", Encoding.UTF8.GetBytes("v2"), WriteCondition.IfMatch(properties.ETag.ToString()));

        Assert.Equal("v2", Encoding.UTF8.GetString((await store.ReadAsync("models/iris/aliases.json"))!.Content.Span));
    }

    [Fact]
    public async Task EveryOperation_ETag_IsOneUnquotedSpelling()
    {
        azurite.EmptyContainers();
        var store = new AzureBlobObjectStore(azurite.Service);

        var written = await store.WriteAsync("models/iris/aliases.json", Encoding.UTF8.GetBytes("v1"), WriteCondition.None);
        var read = (await store.ReadAsync("models/iris/aliases.json"))!.ETag;
        var head = await store.GetETagAsync("models/iris/aliases.json");
        var listed = new List<string>();
        await foreach (var info in store.ListAsync("models/"))
        {
            listed.Add(info.ETag);
        }

        // The HTTP API puts store ETags in quotes itself (ModelsHandler.SetAliasAsync).
        Assert.DoesNotContain('"', written);
        Assert.Equal([written, written, written], [read, head!, Assert.Single(listed)]);
    }
}

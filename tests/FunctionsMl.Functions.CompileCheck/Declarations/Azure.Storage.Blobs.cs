// Declarations of the Azure.Storage.Blobs 12.30.0 API that src/FunctionsMl.Functions/Storage uses (see README.md).
// Source: Azure/azure-sdk-for-net sdk/storage/Azure.Storage.Blobs/api/Azure.Storage.Blobs.net10.0.cs, the package's
// public API listing; each member below appears there with this signature. Azure.Core types (ETag, Response<T>,
// AsyncPageable<T>, RequestConditions, TokenCredential) are the real package's.
#nullable disable
using Azure.Core;
using Azure.Storage.Blobs.Models;

namespace Azure.Storage.Blobs;

public partial class BlobServiceClient
{
    protected BlobServiceClient()
    {
    }

    public BlobServiceClient(string connectionString)
    {
    }

    public BlobServiceClient(Uri serviceUri, TokenCredential credential, BlobClientOptions options = null)
    {
    }

    public virtual BlobContainerClient GetBlobContainerClient(string blobContainerName) => throw new NotImplementedException();
}

public partial class BlobClientOptions : ClientOptions
{
    // The package's constructor takes a service version; the sources never create options, so none is public here.
    internal BlobClientOptions()
    {
    }
}

public partial class BlobContainerClient
{
    protected BlobContainerClient()
    {
    }

    public virtual Task<Response<BlobContainerInfo>> CreateIfNotExistsAsync(
        PublicAccessType publicAccessType = PublicAccessType.None,
        IDictionary<string, string> metadata = null,
        BlobContainerEncryptionScopeOptions encryptionScopeOptions = null,
        CancellationToken cancellationToken = default) =>
        throw new NotImplementedException();

    public virtual BlobClient GetBlobClient(string blobName) => throw new NotImplementedException();

    public virtual AsyncPageable<BlobItem> GetBlobsAsync(BlobTraits traits, BlobStates states, string prefix, CancellationToken cancellationToken) =>
        throw new NotImplementedException();
}

public partial class BlobClient : Specialized.BlobBaseClient
{
    protected BlobClient()
    {
    }

    public virtual Task<Response<BlobContentInfo>> UploadAsync(BinaryData content, BlobUploadOptions options, CancellationToken cancellationToken = default) =>
        throw new NotImplementedException();

    public virtual Task<Response<BlobContentInfo>> UploadAsync(Stream content, BlobUploadOptions options, CancellationToken cancellationToken = default) =>
        throw new NotImplementedException();
}

// Declarations of the Azure.Storage.Blobs 12.30.0 API that src/FunctionsMl.Functions/Storage and Scoring use (see README.md).
// Source: Azure/azure-sdk-for-net sdk/storage/Azure.Storage.Blobs/api/Azure.Storage.Blobs.net10.0.cs, the package's
// public API listing; each member below appears there with this signature. Azure.Core types (ETag, Response<T>,
// AsyncPageable<T>, RequestConditions, TokenCredential) are the real package's.
#nullable disable
using Azure.Storage.Blobs.Models;

namespace Azure.Storage.Blobs.Specialized;

public partial class BlobBaseClient
{
    protected BlobBaseClient()
    {
    }

    public virtual string BlobContainerName => throw new NotImplementedException();

    public virtual string Name => throw new NotImplementedException();

    public virtual Task<Response> DeleteAsync(
        DeleteSnapshotsOption snapshotsOption = DeleteSnapshotsOption.None,
        BlobRequestConditions conditions = null,
        CancellationToken cancellationToken = default) =>
        throw new NotImplementedException();

    public virtual Task<Response<bool>> DeleteIfExistsAsync(
        DeleteSnapshotsOption snapshotsOption = DeleteSnapshotsOption.None,
        BlobRequestConditions conditions = null,
        CancellationToken cancellationToken = default) =>
        throw new NotImplementedException();

    public virtual Task<Response<BlobDownloadResult>> DownloadContentAsync(CancellationToken cancellationToken) =>
        throw new NotImplementedException();

    public virtual Task<Response<BlobDownloadStreamingResult>> DownloadStreamingAsync(BlobDownloadOptions options = null, CancellationToken cancellationToken = default) =>
        throw new NotImplementedException();

    public virtual Task<Response<BlobProperties>> GetPropertiesAsync(BlobRequestConditions conditions = null, CancellationToken cancellationToken = default) =>
        throw new NotImplementedException();
}

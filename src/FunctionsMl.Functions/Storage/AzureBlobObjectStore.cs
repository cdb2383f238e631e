using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using FunctionsMl.Serving.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace FunctionsMl.Functions.Storage;

/// <summary>
/// The storage port on Azure Blob Storage: the object path <c>container/blob/name</c> is that blob in that
/// container, and the object's ETag is the blob's. Every conditional operation is one request carrying
/// <c>If-Match</c> or <c>If-None-Match: *</c>, so the service decides it atomically.
/// </summary>
/// <remarks>
/// Containers are created on the first write to them in this process (infrastructure creates them in Azure;
/// Azurite starts empty). Reads and listings of a missing container see no objects.
/// </remarks>
public sealed class AzureBlobObjectStore : IObjectStore
{
    private readonly BlobServiceClient _service;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, Lazy<Task>> _ensuredContainers = new(StringComparer.Ordinal);

    public AzureBlobObjectStore(BlobServiceClient service, ILogger<AzureBlobObjectStore>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(service);
        _service = service;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    public async Task<StoredObject?> ReadAsync(string path, CancellationToken cancellationToken = default)
    {
        var blob = Blob(path);
        cancellationToken.ThrowIfCancellationRequested();
        try
        {
            // One GET returns the content and the ETag of exactly that content.
            var download = (await blob.DownloadContentAsync(cancellationToken).ConfigureAwait(false)).Value;
            return new StoredObject(download.Content.ToMemory(), Canonical(download.Details.ETag), download.Details.LastModified);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return null;
        }
    }

    public async Task<Stream?> OpenReadAsync(string path, CancellationToken cancellationToken = default)
    {
        var blob = Blob(path);
        cancellationToken.ThrowIfCancellationRequested();
        try
        {
            // One streamed GET rather than OpenReadAsync's ranged reads: the response keeps delivering the version
            // it started with when the blob is replaced meanwhile (the SDK resumes a broken download with If-Match
            // on that version, so it fails rather than mixing two versions).
            var download = await blob.DownloadStreamingAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            return download.Value.Content;
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return null;
        }
    }

    public Task<string> WriteAsync(string path, ReadOnlyMemory<byte> content, WriteCondition condition, CancellationToken cancellationToken = default)
    {
        var blob = Blob(path);
        return UploadAsync(blob, path, condition, options => blob.UploadAsync(new BinaryData(content), options, cancellationToken), cancellationToken);
    }

    public Task<string> WriteAsync(string path, Stream content, WriteCondition condition, CancellationToken cancellationToken = default)
    {
        var blob = Blob(path);
        ArgumentNullException.ThrowIfNull(content);

        // The SDK reads the stream to its end, in blocks when it is large, and commits them with the condition.
        return UploadAsync(blob, path, condition, options => blob.UploadAsync(content, options, cancellationToken), cancellationToken);
    }

    public IAsyncEnumerable<StoredObjectInfo> ListAsync(string prefix, CancellationToken cancellationToken = default)
    {
        ObjectPath.ValidatePrefix(prefix);
        int slash = prefix.IndexOf('/', StringComparison.Ordinal);
        return ListContainerAsync(prefix[..slash], prefix[(slash + 1)..], cancellationToken);
    }

    public async Task<bool> DeleteAsync(string path, WriteCondition condition, CancellationToken cancellationToken = default)
    {
        var blob = Blob(path);
        if (condition.Kind == WriteConditionKind.IfNoneMatch)
        {
            throw new ArgumentException("A delete cannot require the object to be absent; use WriteCondition.None or IfMatch.", nameof(condition));
        }

        cancellationToken.ThrowIfCancellationRequested();
        if (condition.Kind == WriteConditionKind.None)
        {
            try
            {
                return (await blob.DeleteIfExistsAsync(DeleteSnapshotsOption.IncludeSnapshots, cancellationToken: cancellationToken).ConfigureAwait(false)).Value;
            }
            catch (RequestFailedException ex) when (ex.Status == 404)
            {
                return false;
            }
        }

        try
        {
            await blob.DeleteAsync(DeleteSnapshotsOption.IncludeSnapshots, Conditions(condition), cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (RequestFailedException ex) when (ex.Status is 404 or 412)
        {
            // An If-Match on an absent object fails as on a changed one.
            throw new PreconditionFailedException(path, condition, ex);
        }
    }

    public async Task<string?> GetETagAsync(string path, CancellationToken cancellationToken = default)
    {
        var blob = Blob(path);
        cancellationToken.ThrowIfCancellationRequested();
        try
        {
            return Canonical((await blob.GetPropertiesAsync(cancellationToken: cancellationToken).ConfigureAwait(false)).Value.ETag);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return null;
        }
    }

    private BlobClient Blob(string path)
    {
        ObjectPath.Validate(path);
        int slash = path.IndexOf('/', StringComparison.Ordinal);
        return _service.GetBlobContainerClient(path[..slash]).GetBlobClient(path[(slash + 1)..]);
    }

    private async Task<string> UploadAsync(
        BlobClient blob,
        string path,
        WriteCondition condition,
        Func<BlobUploadOptions, Task<Response<BlobContentInfo>>> upload,
        CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        await EnsureContainerAsync(blob.BlobContainerName, cancellationToken).ConfigureAwait(false);
        try
        {
            var info = await upload(new BlobUploadOptions { Conditions = Conditions(condition) }).ConfigureAwait(false);
            return Canonical(info.Value.ETag);
        }
        catch (RequestFailedException ex) when (IsConditionFailure(ex, condition))
        {
            throw new PreconditionFailedException(path, condition, ex);
        }
    }

    private static BlobRequestConditions? Conditions(WriteCondition condition) => condition.Kind switch
    {
        WriteConditionKind.IfMatch => new BlobRequestConditions { IfMatch = new ETag(Quoted(condition.ETag!)) },
        WriteConditionKind.IfNoneMatch => new BlobRequestConditions { IfNoneMatch = ETag.All },
        _ => null,
    };

    /// <summary>
    /// The ETag as this store hands it out: without quotes. The service quotes it in headers and not in listings,
    /// and the SDK passes each on as it came (or parses some headers, dropping the quotes), so the same version
    /// would otherwise have two spellings; and the HTTP API quotes store ETags itself when it returns them.
    /// </summary>
    private static string Canonical(ETag eTag) => eTag.ToString().Trim('"');

    /// <summary>An ETag as a conditional request header carries it: quoted.</summary>
    private static string Quoted(string eTag) => eTag.StartsWith('"') ? eTag : $"\"{eTag}\"";

    /// <summary>
    /// 412 is a failed If-Match; a failed If-None-Match: * comes back as 409 BlobAlreadyExists; an If-Match on an
    /// absent blob may come back as 404 BlobNotFound.
    /// </summary>
    private static bool IsConditionFailure(RequestFailedException ex, WriteCondition condition) =>
        condition.Kind != WriteConditionKind.None
        && (ex.Status == 412
            || (ex.Status == 409 && ex.ErrorCode == BlobErrorCode.BlobAlreadyExists)
            || (ex.Status == 404 && condition.Kind == WriteConditionKind.IfMatch && ex.ErrorCode == BlobErrorCode.BlobNotFound));

    /// <summary>Creates the container once per process before its first write; a failed attempt is retried by the next write.</summary>
    private async Task EnsureContainerAsync(string container, CancellationToken cancellationToken)
    {
        var ensured = _ensuredContainers.GetOrAdd(container, name => new Lazy<Task>(() => CreateContainerAsync(name)));
        try
        {
            await ensured.Value.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception) when (!cancellationToken.IsCancellationRequested)
        {
            _ensuredContainers.TryRemove(new KeyValuePair<string, Lazy<Task>>(container, ensured));
            throw;
        }
    }

    private async Task CreateContainerAsync(string container)
    {
        try
        {
            // Not the caller's token: other writers may be waiting on this one creation.
            await _service.GetBlobContainerClient(container).CreateIfNotExistsAsync(cancellationToken: CancellationToken.None).ConfigureAwait(false);
        }
        catch (RequestFailedException ex) when (ex.Status == 403)
        {
            // An identity allowed to write blobs but not to create containers: the infrastructure made them.
            AzureStorageLog.CannotCreateContainer(_logger, container, ex);
        }
    }

    private async IAsyncEnumerable<StoredObjectInfo> ListContainerAsync(string container, string blobPrefix, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();

        // Blob Storage lists names in the order of their UTF-8 bytes, which for the ASCII characters that
        // ObjectPath allows is ordinal order: the port's order, with no sorting here.
        var pages = _service.GetBlobContainerClient(container)
            .GetBlobsAsync(BlobTraits.None, BlobStates.None, blobPrefix.Length == 0 ? null : blobPrefix, cancellationToken)
            .GetAsyncEnumerator(cancellationToken);
        await using (pages.ConfigureAwait(false))
        {
            while (true)
            {
                BlobItem item;
                try
                {
                    if (!await pages.MoveNextAsync().ConfigureAwait(false))
                    {
                        break;
                    }

                    item = pages.Current;
                }
                catch (RequestFailedException ex) when (ex.Status == 404)
                {
                    // No container: no objects.
                    break;
                }

                string path = $"{container}/{item.Name}";
                if (!ObjectPath.IsValid(path) || item.Properties.ETag is not { } eTag)
                {
                    // A blob put there by other tools under a name the port cannot address (a space, say).
                    AzureStorageLog.SkippedUnaddressableBlob(_logger, path);
                    continue;
                }

                yield return new StoredObjectInfo(path, Canonical(eTag), item.Properties.ContentLength ?? 0, item.Properties.LastModified ?? default);
            }
        }
    }
}

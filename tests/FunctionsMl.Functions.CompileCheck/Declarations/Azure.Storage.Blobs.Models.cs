// Declarations of the Azure.Storage.Blobs 12.30.0 API that src/FunctionsMl.Functions/Storage uses (see README.md).
// Source: Azure/azure-sdk-for-net sdk/storage/Azure.Storage.Blobs/api/Azure.Storage.Blobs.net10.0.cs, the package's
// public API listing; each member below appears there with this signature. Azure.Core types (ETag, Response<T>,
// AsyncPageable<T>, RequestConditions, TokenCredential) are the real package's.
#nullable disable
namespace Azure.Storage.Blobs.Models;

public partial class BlobContainerEncryptionScopeOptions
{
}

public partial class BlobContainerInfo
{
    internal BlobContainerInfo()
    {
    }
}

public partial class BlobContentInfo
{
    internal BlobContentInfo()
    {
    }

    public ETag ETag => throw new NotImplementedException();
}

public partial class BlobDownloadDetails
{
    public ETag ETag => throw new NotImplementedException();

    public DateTimeOffset LastModified => throw new NotImplementedException();
}

public partial class BlobDownloadOptions
{
}

public partial class BlobDownloadResult
{
    internal BlobDownloadResult()
    {
    }

    public BinaryData Content => throw new NotImplementedException();

    public BlobDownloadDetails Details => throw new NotImplementedException();
}

public partial class BlobDownloadStreamingResult : IDisposable
{
    internal BlobDownloadStreamingResult()
    {
    }

    public Stream Content => throw new NotImplementedException();

    public void Dispose() => throw new NotImplementedException();
}

public readonly partial struct BlobErrorCode : IEquatable<BlobErrorCode>
{
    public static BlobErrorCode BlobAlreadyExists => throw new NotImplementedException();

    public static BlobErrorCode BlobNotFound => throw new NotImplementedException();

    public bool Equals(BlobErrorCode other) => throw new NotImplementedException();

    public override bool Equals(object obj) => throw new NotImplementedException();

    public override int GetHashCode() => throw new NotImplementedException();

    public static bool operator ==(BlobErrorCode left, BlobErrorCode right) => throw new NotImplementedException();

    public static bool operator !=(BlobErrorCode left, BlobErrorCode right) => throw new NotImplementedException();

    public static bool operator ==(string value, BlobErrorCode code) => throw new NotImplementedException();

    public static bool operator !=(string value, BlobErrorCode code) => throw new NotImplementedException();
}

public partial class BlobItem
{
    internal BlobItem()
    {
    }

    public string Name => throw new NotImplementedException();

    public BlobItemProperties Properties => throw new NotImplementedException();
}

public partial class BlobItemProperties
{
    internal BlobItemProperties()
    {
    }

    public long? ContentLength => throw new NotImplementedException();

    public ETag? ETag => throw new NotImplementedException();

    public DateTimeOffset? LastModified => throw new NotImplementedException();
}

public partial class BlobLeaseRequestConditions : RequestConditions
{
}

public partial class BlobProperties
{
    public ETag ETag => throw new NotImplementedException();
}

public partial class BlobRequestConditions : BlobLeaseRequestConditions
{
}

[Flags]
public enum BlobStates
{
    All = -1,
    None = 0,
    Snapshots = 1,
    Uncommitted = 2,
    Deleted = 4,
    Version = 8,
    DeletedWithVersions = 16,
}

[Flags]
public enum BlobTraits
{
    All = -1,
    None = 0,
    CopyStatus = 1,
    Metadata = 2,
    Tags = 4,
    ImmutabilityPolicy = 8,
    LegalHold = 16,
}

public partial class BlobUploadOptions
{
    public BlobRequestConditions Conditions
    {
        get => throw new NotImplementedException();
        set => throw new NotImplementedException();
    }
}

public enum DeleteSnapshotsOption
{
    None = 0,
    IncludeSnapshots = 1,
    OnlySnapshots = 2,
}

public enum PublicAccessType
{
    None = 0,
    BlobContainer = 1,
    Blob = 2,
}

using FunctionsMl.Serving.Storage;
using FunctionsMl.Serving.Tests.TestSupport;

namespace FunctionsMl.Serving.Tests.Storage;

public sealed class FileSystemObjectStoreContractTests : ObjectStoreContractTests, IDisposable
{
    private readonly TemporaryDirectory _root = new();

    protected override IObjectStore CreateStore(TimeProvider timeProvider) =>
        new FileSystemObjectStore(new FileSystemObjectStoreOptions { RootDirectory = _root.Path }, timeProvider);

    public void Dispose() => _root.Dispose();
}

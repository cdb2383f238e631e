using FunctionsMl.Serving.Storage;

namespace FunctionsMl.Serving.Tests.Storage;

public sealed class InMemoryObjectStoreTests : ObjectStoreContractTests
{
    protected override IObjectStore CreateStore(TimeProvider timeProvider) => new InMemoryObjectStore(timeProvider);

    [Fact]
    public async Task WriteAsync_CallerChangesItsBufferAfterwards_StoredContentIsUnchanged()
    {
        byte[] buffer = Bytes("original");
        await Store.WriteAsync("models/iris/model.json", buffer, WriteCondition.None);

        buffer[0] = (byte)'X';

        Assert.Equal("original", Text(await Store.ReadAsync("models/iris/model.json")));
    }
}

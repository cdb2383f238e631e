namespace FunctionsMl.Local.Tests.Support;

/// <summary>
/// One local host process serving the three sample models (iris v1 in production and v2 unaliased,
/// breast-cancer, diabetes), shared by the API tests that do not change aliases.
/// </summary>
public sealed class ServedSamplesFixture : IAsyncLifetime
{
    private SeededStore? _store;
    private LocalHostProcess? _host;

    internal LocalHostProcess Host => _host ?? throw new InvalidOperationException("Not started.");

    public HttpClient Client => Host.Client;

    public async Task InitializeAsync()
    {
        _store = SeededStore.Create();
        await _store.PromoteAsync("iris", await _store.RegisterSampleAsync("iris"));
        await _store.RegisterSampleAsync("iris", """{"type":"gbdt","trees":10,"leaves":4,"minRowsPerLeaf":5,"seed":7}""");
        await _store.PromoteAsync("breast-cancer", await _store.RegisterSampleAsync("breast-cancer"));
        await _store.PromoteAsync("diabetes", await _store.RegisterSampleAsync("diabetes"));
        _host = await LocalHostProcess.StartAsync(_store.Path, "--no-train", "--models", Path.Combine(_store.Path, "no-definitions"));
    }

    public async Task DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }

        _store?.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class ServedSamplesCollection : ICollectionFixture<ServedSamplesFixture>
{
    public const string Name = "served samples";
}

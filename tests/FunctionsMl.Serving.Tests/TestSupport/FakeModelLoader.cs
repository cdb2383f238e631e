using System.Collections.Concurrent;
using System.Text;
using FunctionsMl.Serving.Caching;

namespace FunctionsMl.Serving.Tests.TestSupport;

/// <summary>A loaded model that remembers what it was loaded from, so a test can check a result's version against its instance.</summary>
public sealed record FakeModel(string Content, string LoadedAsVersion);

/// <summary>
/// Loads files made by <see cref="RegistryTestData.ModelFile"/>; anything else is "corrupt" and throws, as the
/// engine's loader would. Counts loads per version and can hold loads until released.
/// </summary>
public sealed class FakeModelLoader : IModelLoader<FakeModel>
{
    private const string Prefix = "FML-TEST:";

    private readonly ConcurrentDictionary<string, int> _loads = new(StringComparer.Ordinal);
    private readonly ManualResetEventSlim _open = new(initialState: true);

    public int TotalLoads => _loads.Values.Sum();

    public int LoadsOf(string model, string version) => _loads.GetValueOrDefault($"{model}/{version}");

    /// <summary>Makes loads wait until <see cref="Release"/>.</summary>
    public void Hold() => _open.Reset();

    public void Release() => _open.Set();

    public FakeModel Load(string model, string version, ReadOnlyMemory<byte> modelFile)
    {
        _loads.AddOrUpdate($"{model}/{version}", 1, (_, n) => n + 1);
        if (!_open.Wait(TimeSpan.FromSeconds(10)))
        {
            throw new TimeoutException("The test never released the held load.");
        }

        string text = Encoding.UTF8.GetString(modelFile.Span);
        return text.StartsWith(Prefix, StringComparison.Ordinal)
            ? new FakeModel(text[Prefix.Length..], version)
            : throw new InvalidDataException("Not a model file: bad signature.");
    }
}

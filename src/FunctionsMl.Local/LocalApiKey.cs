using System.Security.Cryptography;
using System.Text;
using FunctionsMl.Serving.Storage;

namespace FunctionsMl.Local;

/// <summary>
/// The local host's management key when none is configured: made once per store and kept in it, so scripts
/// keep working across restarts (<c>functionsml key</c> prints it).
/// </summary>
internal static class LocalApiKey
{
    private const string Path = "host/management-key";

    public static async Task<string> GetOrCreateAsync(IObjectStore store, CancellationToken cancellationToken)
    {
        if (await store.ReadAsync(Path, cancellationToken).ConfigureAwait(false) is { } existing)
        {
            return Encoding.UTF8.GetString(existing.Content.Span);
        }

        var key = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        try
        {
            await store.WriteAsync(Path, Encoding.UTF8.GetBytes(key), WriteCondition.IfNoneMatch, cancellationToken).ConfigureAwait(false);
            return key;
        }
        catch (PreconditionFailedException)
        {
            // Another process made the key first; use theirs.
            var stored = await store.ReadAsync(Path, cancellationToken).ConfigureAwait(false);
            return Encoding.UTF8.GetString(stored!.Content.Span);
        }
    }
}

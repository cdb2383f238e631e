using System.Text.Json;
using FunctionsMl.Serving.Storage;

namespace FunctionsMl.Serving.Scoring;

/// <summary>
/// A scorer's claim on one input, so that two triggers for the same file (Event Grid delivers at least once; two
/// local hosts may share a store) do not score it twice at the same time.
/// </summary>
/// <remarks>
/// <para>
/// The claim is an object created only if absent (if-none-match); its holder renews it by compare-and-swap every
/// third of its duration while it works. A claim past its expiry belongs to a scorer that died (a killed process,
/// a lost instance), and the next scorer takes it over by compare-and-swap, so of several contenders one wins.
/// </para>
/// <para>
/// If a renewal finds the claim taken over (the holder stalled longer than the whole duration), <see cref="Lost"/>
/// is cancelled and the holder stops before committing anything further; the scorer that took over redoes the file.
/// </para>
/// </remarks>
internal sealed class FileLease : IAsyncDisposable
{
    private readonly IObjectStore _store;
    private readonly TimeProvider _time;
    private readonly TimeSpan _duration;
    private readonly LeaseDocument _document;
    private readonly CancellationTokenSource _lost = new();
    private readonly CancellationTokenSource _stopRenewing = new();
    private readonly Task _renewing;
    private string _eTag;
    private long _expiresAtTicks;

    private FileLease(IObjectStore store, TimeProvider time, TimeSpan duration, string path, LeaseDocument document, string eTag)
    {
        _store = store;
        _time = time;
        _duration = duration;
        Path = path;
        _document = document;
        _eTag = eTag;
        _expiresAtTicks = document.ExpiresAt.UtcTicks;
        _renewing = RenewLoopAsync();
    }

    public string Path { get; }

    /// <summary>Cancelled when the claim has been taken over by another scorer.</summary>
    public CancellationToken Lost => _lost.Token;

    /// <summary>Claims <paramref name="path"/> for the input version <paramref name="inputETag"/>.</summary>
    /// <returns>The lease, or null while another scorer holds an unexpired claim.</returns>
    public static async Task<FileLease?> TryAcquireAsync(
        IObjectStore store, TimeProvider time, string path, string inputETag, TimeSpan duration, CancellationToken cancellationToken)
    {
        var owner = $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid():n}";
        while (true)
        {
            var now = time.GetUtcNow();
            var document = new LeaseDocument(owner, inputETag, now, now + duration);
            try
            {
                var eTag = await store.WriteAsync(path, Serialize(document), WriteCondition.IfNoneMatch, cancellationToken).ConfigureAwait(false);
                return new FileLease(store, time, duration, path, document, eTag);
            }
            catch (PreconditionFailedException)
            {
            }

            var current = await store.ReadAsync(path, cancellationToken).ConfigureAwait(false);
            if (current is null)
            {
                continue; // Released in between: try to create it again.
            }

            if (TryDeserialize(current.Content.Span) is { } held && held.ExpiresAt > now)
            {
                return null;
            }

            try
            {
                // Expired or unreadable: its holder is gone. Of several scorers taking over, one wins the swap.
                var eTag = await store.WriteAsync(path, Serialize(document), WriteCondition.IfMatch(current.ETag), cancellationToken).ConfigureAwait(false);
                return new FileLease(store, time, duration, path, document, eTag);
            }
            catch (PreconditionFailedException)
            {
            }
        }
    }

    /// <summary>Throws unless the claim is still this scorer's: called before each commit.</summary>
    /// <exception cref="LeaseLostException">The claim was taken over or has expired.</exception>
    public void EnsureHeld()
    {
        if (_lost.IsCancellationRequested || _time.GetUtcNow().UtcTicks >= Interlocked.Read(ref _expiresAtTicks))
        {
            throw new LeaseLostException(Path);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopRenewing.CancelAsync().ConfigureAwait(false);
        await _renewing.ConfigureAwait(false);
        if (!_lost.IsCancellationRequested)
        {
            try
            {
                await _store.DeleteAsync(Path, WriteCondition.IfMatch(_eTag), CancellationToken.None).ConfigureAwait(false);
            }
            catch (PreconditionFailedException)
            {
                // Taken over meanwhile; the new holder releases it.
            }
            catch (IOException)
            {
                // It expires by itself.
            }
        }

        _lost.Dispose();
        _stopRenewing.Dispose();
    }

    private async Task RenewLoopAsync()
    {
        var token = _stopRenewing.Token;
        try
        {
            while (true)
            {
                await Task.Delay(_duration / 3, _time, token).ConfigureAwait(false);
                var now = _time.GetUtcNow();
                try
                {
                    _eTag = await _store.WriteAsync(Path, Serialize(_document with { ExpiresAt = now + _duration }), WriteCondition.IfMatch(_eTag), token).ConfigureAwait(false);
                    Interlocked.Exchange(ref _expiresAtTicks, (now + _duration).UtcTicks);
                }
                catch (PreconditionFailedException)
                {
                    await _lost.CancelAsync().ConfigureAwait(false);
                    return;
                }
                catch (IOException) when (now.UtcTicks < Interlocked.Read(ref _expiresAtTicks))
                {
                    // A passing store error; the next renewal may still come in time.
                }
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
        }
        catch (Exception)
        {
            // Renewals stopped for good: the claim will expire, so stop the work it guards.
            await _lost.CancelAsync().ConfigureAwait(false);
        }
    }

    private static byte[] Serialize(LeaseDocument document) =>
        JsonSerializer.SerializeToUtf8Bytes(document, ScoringJsonContext.Default.LeaseDocument);

    private static LeaseDocument? TryDeserialize(ReadOnlySpan<byte> content)
    {
        try
        {
            return JsonSerializer.Deserialize(content, ScoringJsonContext.Default.LeaseDocument);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

/// <summary>Another scorer took over a file this one was working on; this one stops without committing.</summary>
internal sealed class LeaseLostException(string path) : Exception($"The claim '{path}' was taken over by another scorer.");

using System.Globalization;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text.Json;
using FunctionsMl.Serving.Storage;

namespace FunctionsMl.Serving.Queues;

/// <summary>
/// A durable message queue kept in an <see cref="IObjectStore"/>: the local host's stand-in for an Azure Storage queue,
/// with the same delivery model (at least once, a visibility timeout while a receiver works, a dequeue count).
/// </summary>
/// <remarks>
/// <para>
/// Each message is one object, <c>queues/&lt;queue&gt;/&lt;id&gt;.json</c>, holding its text and its delivery state
/// (dequeue count, visible-after time, last error). One object per message keeps every operation a single atomic
/// store call: enqueue is a create-only write, so an accepted message is on disk before its id is returned; receive
/// is a compare-and-swap that makes the message invisible and counts the delivery, so of two receivers one wins;
/// complete is a delete guarded by the receive's ETag (the <see cref="QueueMessage.Receipt"/>), so a receiver whose
/// visibility ran out cannot delete a message someone else now holds. A receiver that dies simply lets the
/// visibility time out, and the message is delivered again with a higher dequeue count.
/// </para>
/// <para>
/// Ids start with the enqueue time, so listing (ordinal) gives roughly first-in-first-out order, as Azure queues do
/// (no strict ordering is promised). The poison queue of <c>q</c> is <c>q-poison</c>, as the Functions host names it.
/// </para>
/// </remarks>
public sealed class StoreQueue
{
    public const string Container = "queues";
    public const string PoisonSuffix = "-poison";

    /// <summary>Requests to score: <c>{"id", "model", "instances"}</c>.</summary>
    public const string ScoringRequests = "scoring-requests";

    /// <summary>Results of scoring requests, correlated by id.</summary>
    public const string ScoringResults = "scoring-results";

    /// <summary>Requests set aside: malformed, or failed too many times.</summary>
    public const string ScoringRequestsPoison = ScoringRequests + PoisonSuffix;

    private const string Extension = ".json";

    private readonly IObjectStore _store;
    private readonly TimeProvider _time;
    private readonly string _prefix;

    /// <exception cref="ArgumentException"><paramref name="name"/> is not a valid queue name.</exception>
    public StoreQueue(IObjectStore store, string name, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ValidateName(name);
        _store = store;
        _time = timeProvider;
        Name = name;
        _prefix = $"{Container}/{name}/";
    }

    public string Name { get; }

    public string PoisonQueueName => Name + PoisonSuffix;

    /// <summary>An Azure queue name: 3 to 63 of <c>a-z 0-9 -</c>, starting and ending with a letter or digit, no <c>--</c>.</summary>
    /// <exception cref="ArgumentException">The name breaks the rule.</exception>
    public static void ValidateName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var valid = name.Length is >= 3 and <= 63
            && name.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-')
            && name[0] != '-' && name[^1] != '-' && !name.Contains("--", StringComparison.Ordinal);
        if (!valid)
        {
            throw new ArgumentException($"Invalid queue name '{name}': use 3 to 63 of a-z, 0-9 and '-', starting and ending with a letter or digit, without '--'.", nameof(name));
        }
    }

    /// <summary>Adds a message; it is stored durably before this returns.</summary>
    /// <param name="messageId">
    /// The id to use, or null for a new one. With an id, enqueueing is idempotent: if a message with that id is already
    /// in the queue, nothing is written (how a retried handler publishes its result once).
    /// </param>
    /// <returns>The message id.</returns>
    public async Task<string> EnqueueAsync(string text, string? messageId = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (messageId is not null && !ObjectPath.IsValid(PathOf(messageId)))
        {
            throw new ArgumentException($"Invalid message id '{messageId}': use letters, digits, '.', '_' and '-'.", nameof(messageId));
        }

        while (true)
        {
            var now = _time.GetUtcNow();
            var id = messageId ?? NewId(now);
            var document = new QueueMessageDocument { Id = id, Text = text, InsertedAt = now, VisibleAt = now };
            try
            {
                await _store.WriteAsync(PathOf(id), Serialize(document), WriteCondition.IfNoneMatch, cancellationToken).ConfigureAwait(false);
                return id;
            }
            catch (PreconditionFailedException) when (messageId is not null)
            {
                return id;
            }
            catch (PreconditionFailedException)
            {
                // A generated id collided (same tick, same 64 random bits): draw another.
            }
        }
    }

    /// <summary>
    /// Receives up to <paramref name="maxMessages"/> visible messages, oldest first, making each invisible for
    /// <paramref name="visibilityTimeout"/> and counting the delivery.
    /// </summary>
    public async Task<IReadOnlyList<QueueMessage>> ReceiveAsync(int maxMessages, TimeSpan visibilityTimeout, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxMessages, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(visibilityTimeout, TimeSpan.Zero);
        var received = new List<QueueMessage>();
        await foreach (var info in _store.ListAsync(_prefix, cancellationToken).ConfigureAwait(false))
        {
            if (received.Count == maxMessages)
            {
                break;
            }

            var stored = await _store.ReadAsync(info.Path, cancellationToken).ConfigureAwait(false);
            var now = _time.GetUtcNow();
            if (stored is null || TryDeserialize(stored.Content.Span) is not { } document || document.VisibleAt > now)
            {
                continue;
            }

            var updated = document with { DequeueCount = document.DequeueCount + 1, VisibleAt = now + visibilityTimeout };
            try
            {
                var receipt = await _store.WriteAsync(info.Path, Serialize(updated), WriteCondition.IfMatch(stored.ETag), cancellationToken).ConfigureAwait(false);
                received.Add(ToMessage(updated, receipt));
            }
            catch (PreconditionFailedException)
            {
                // Another receiver got it first.
            }
        }

        return received;
    }

    /// <summary>Deletes a message that was handled.</summary>
    /// <returns>False when the receipt no longer holds: the visibility ran out and the message was received again or set aside.</returns>
    public async Task<bool> CompleteAsync(QueueMessage message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        try
        {
            await _store.DeleteAsync(PathOf(message.Id), WriteCondition.IfMatch(message.Receipt), cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (PreconditionFailedException)
        {
            return false;
        }
    }

    /// <summary>Gives a message back to be received again after <paramref name="delay"/>, recording why the attempt failed.</summary>
    /// <returns>The message as now stored, or null when the receipt no longer holds.</returns>
    public async Task<QueueMessage?> ReleaseAsync(QueueMessage message, TimeSpan delay, string? error, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        var document = ToDocument(message) with { VisibleAt = _time.GetUtcNow() + delay, LastError = error };
        try
        {
            var receipt = await _store.WriteAsync(PathOf(message.Id), Serialize(document), WriteCondition.IfMatch(message.Receipt), cancellationToken).ConfigureAwait(false);
            return ToMessage(document, receipt);
        }
        catch (PreconditionFailedException)
        {
            return null;
        }
    }

    /// <summary>
    /// Moves a received message to <see cref="PoisonQueueName"/> with <paramref name="reason"/>. The poison copy keeps
    /// the message's id, so a move interrupted after the copy repeats harmlessly.
    /// </summary>
    /// <returns>False when the receipt no longer holds (someone else has the message now); nothing was moved.</returns>
    public async Task<bool> MoveToPoisonAsync(QueueMessage message, string reason, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        var path = PathOf(message.Id);

        // Hide it for good first: a receiver whose receipt has expired must not poison a message another one holds.
        string receipt;
        try
        {
            receipt = await _store.WriteAsync(path, Serialize(ToDocument(message) with { VisibleAt = DateTimeOffset.MaxValue, LastError = reason }), WriteCondition.IfMatch(message.Receipt), cancellationToken).ConfigureAwait(false);
        }
        catch (PreconditionFailedException)
        {
            return false;
        }

        var poisoned = ToDocument(message) with { VisibleAt = _time.GetUtcNow(), LastError = reason, SourceQueue = Name };
        await _store.WriteAsync($"{Container}/{PoisonQueueName}/{message.Id}{Extension}", Serialize(poisoned), WriteCondition.None, cancellationToken).ConfigureAwait(false);
        try
        {
            await _store.DeleteAsync(path, WriteCondition.IfMatch(receipt), cancellationToken).ConfigureAwait(false);
        }
        catch (PreconditionFailedException)
        {
            // Already removed by an earlier, interrupted move.
        }

        return true;
    }

    /// <summary>Every message in the queue, visible or not, oldest first, without receiving any.</summary>
    public async IAsyncEnumerable<QueueMessage> PeekAllAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var info in _store.ListAsync(_prefix, cancellationToken).ConfigureAwait(false))
        {
            var stored = await _store.ReadAsync(info.Path, cancellationToken).ConfigureAwait(false);
            if (stored is not null && TryDeserialize(stored.Content.Span) is { } document)
            {
                yield return ToMessage(document, stored.ETag);
            }
        }
    }

    private string PathOf(string id) => $"{_prefix}{id}{Extension}";

    /// <summary>The enqueue time to the tick, so ids sort in enqueue order, then 64 random bits.</summary>
    private static string NewId(DateTimeOffset now) =>
        $"{now.UtcDateTime.ToString("yyyyMMdd'T'HHmmssfffffff", CultureInfo.InvariantCulture)}-{RandomNumberGenerator.GetHexString(16, lowercase: true)}";

    private static QueueMessage ToMessage(QueueMessageDocument document, string receipt) =>
        new(document.Id, document.Text, document.DequeueCount, document.InsertedAt, document.VisibleAt, document.LastError, receipt);

    private static QueueMessageDocument ToDocument(QueueMessage message) => new()
    {
        Id = message.Id,
        Text = message.Text,
        DequeueCount = message.DequeueCount,
        InsertedAt = message.InsertedAt,
        VisibleAt = message.VisibleAt,
        LastError = message.LastError,
    };

    private static byte[] Serialize(QueueMessageDocument document) =>
        JsonSerializer.SerializeToUtf8Bytes(document, QueueJsonContext.Default.QueueMessageDocument);

    private static QueueMessageDocument? TryDeserialize(ReadOnlySpan<byte> content)
    {
        try
        {
            return JsonSerializer.Deserialize(content, QueueJsonContext.Default.QueueMessageDocument);
        }
        catch (JsonException)
        {
            return null; // Not a message this queue wrote; left alone.
        }
    }
}

using System.Buffers;
using System.Text.Unicode;

namespace FunctionsMl.Serving.Traffic;

/// <summary>
/// The stable hash that places a routing key in one of 100 buckets. Every process, instance and restart
/// computes the same bucket for the same key, which is what makes routing sticky; unlike
/// <see cref="string.GetHashCode()"/>, which is randomised per process. Do not change it: every sticky
/// assignment in production depends on it (the unit tests pin known values).
/// </summary>
/// <remarks>
/// FNV-1a (64-bit) over the UTF-8 bytes of a salt, a zero byte and the key, then the MurmurHash3 64-bit
/// finaliser, whose avalanche spreads keys that differ only in their last characters ("user-1",
/// "user-2") over all buckets before the reduction modulo 100. The salt (the model name, plus a purpose)
/// makes buckets independent between models and between uses.
/// </remarks>
public static class RoutingHash
{
    /// <summary>Buckets per key space: a bucket is a whole percentage.</summary>
    public const int Buckets = 100;

    private const ulong OffsetBasis = 14695981039346656037;
    private const ulong Prime = 1099511628211;
    private const int ChunkBytes = 256;

    /// <summary>The hash state after <paramref name="salt"/> and its terminating zero byte; reusable for every key.</summary>
    public static ulong Seed(string salt)
    {
        ArgumentNullException.ThrowIfNull(salt);
        var state = Append(OffsetBasis, salt);
        return Append(state, [0]);
    }

    /// <summary>The bucket (0–99) of a UTF-8 key under a seed from <see cref="Seed"/>.</summary>
    public static int Bucket(ulong seed, ReadOnlySpan<byte> keyUtf8) => Reduce(Append(seed, keyUtf8));

    /// <summary>The bucket (0–99) of a key under a seed from <see cref="Seed"/>; allocates nothing.</summary>
    public static int Bucket(ulong seed, ReadOnlySpan<char> key) => Reduce(Append(seed, key));

    /// <summary>The bucket of <paramref name="key"/> under <paramref name="salt"/>.</summary>
    public static int Bucket(string salt, string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return Bucket(Seed(salt), key.AsSpan());
    }

    private static int Reduce(ulong state) => (int)(Finalize(state) % Buckets);

    private static ulong Append(ulong state, ReadOnlySpan<byte> bytes)
    {
        foreach (var b in bytes)
        {
            state = (state ^ b) * Prime;
        }

        return state;
    }

    private static ulong Append(ulong state, ReadOnlySpan<char> text)
    {
        // Streams the UTF-8 encoding through a small stack buffer; a surrogate pair split between chunks is
        // carried over by the transcoder, so the bytes are exactly those of Encoding.UTF8.GetBytes(text).
        Span<byte> buffer = stackalloc byte[ChunkBytes];
        while (true)
        {
            var status = Utf8.FromUtf16(text, buffer, out var read, out var written, replaceInvalidSequences: true, isFinalBlock: true);
            state = Append(state, buffer[..written]);
            text = text[read..];
            if (status != OperationStatus.DestinationTooSmall || text.IsEmpty)
            {
                return state;
            }
        }
    }

    private static ulong Finalize(ulong h)
    {
        h ^= h >> 33;
        h *= 0xff51afd7ed558ccd;
        h ^= h >> 33;
        h *= 0xc4ceb9fe1a85ec53;
        h ^= h >> 33;
        return h;
    }
}

namespace FunctionsMl.Engine.Featurization;

/// <summary>
/// Turns text into hashed term counts. This is part of the model format: a saved model's text features are only
/// meaningful if this stays bit-for-bit the same, so it never uses <see cref="string.GetHashCode()"/> (randomized per
/// process) and any change needs a new model format version.
/// </summary>
/// <remarks>
/// Words are maximal runs of letters and digits (<see cref="char.IsLetterOrDigit(char)"/>), lower-cased with
/// <see cref="char.ToLowerInvariant"/>. A word's hash is 32-bit FNV-1a over its UTF-8 bytes; a pair of adjacent words
/// hashes "first second" (one space between). The hash is finished with MurmurHash3's fmix32 so that its low bits,
/// which pick the bucket, depend on every byte.
/// </remarks>
internal static class TextHasher
{
    private const uint FnvOffsetBasis = 2166136261;
    private const uint FnvPrime = 16777619;

    /// <summary>Adds one to the bucket of every word (and pair of adjacent words) of <paramref name="text"/>.</summary>
    public static void AddTerms(ReadOnlySpan<char> text, int bits, bool bigrams, Span<float> counts)
    {
        var mask = (1u << bits) - 1;
        var previousStart = 0;
        var previousLength = 0;
        var i = 0;
        while (true)
        {
            while (i < text.Length && !char.IsLetterOrDigit(text[i]))
            {
                i++;
            }

            if (i == text.Length)
            {
                return;
            }

            var start = i;
            while (i < text.Length && char.IsLetterOrDigit(text[i]))
            {
                i++;
            }

            var word = text[start..i];
            counts[(int)(Finish(Hash(FnvOffsetBasis, word)) & mask)] += 1;
            if (bigrams && previousLength > 0)
            {
                var pair = Hash(FnvOffsetBasis, text.Slice(previousStart, previousLength));
                pair = Step(pair, (byte)' ');
                pair = Hash(pair, word);
                counts[(int)(Finish(pair) & mask)] += 1;
            }

            previousStart = start;
            previousLength = word.Length;
        }
    }

    /// <summary>FNV-1a of the UTF-8 bytes of the lower-cased <paramref name="word"/>, continuing from <paramref name="hash"/>.</summary>
    internal static uint Hash(uint hash, ReadOnlySpan<char> word)
    {
        foreach (var original in word)
        {
            // Letters and digits are never surrogates, so each char is one code point of one to three UTF-8 bytes.
            var c = (uint)char.ToLowerInvariant(original);
            if (c < 0x80)
            {
                hash = Step(hash, (byte)c);
            }
            else if (c < 0x800)
            {
                hash = Step(hash, (byte)(0xC0 | (c >> 6)));
                hash = Step(hash, (byte)(0x80 | (c & 0x3F)));
            }
            else
            {
                hash = Step(hash, (byte)(0xE0 | (c >> 12)));
                hash = Step(hash, (byte)(0x80 | ((c >> 6) & 0x3F)));
                hash = Step(hash, (byte)(0x80 | (c & 0x3F)));
            }
        }

        return hash;
    }

    internal static uint Hash(ReadOnlySpan<char> word) => Hash(FnvOffsetBasis, word);

    internal static uint Finish(uint hash)
    {
        hash ^= hash >> 16;
        hash *= 0x85EBCA6B;
        hash ^= hash >> 13;
        hash *= 0xC2B2AE35;
        hash ^= hash >> 16;
        return hash;
    }

    private static uint Step(uint hash, byte value) => (hash ^ value) * FnvPrime;
}

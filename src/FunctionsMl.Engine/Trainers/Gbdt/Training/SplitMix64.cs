namespace FunctionsMl.Engine.Trainers.Gbdt.Training;

/// <summary>
/// A small seeded generator (SplitMix64) of our own, so that a seed gives the same model on every
/// runtime version; <see cref="Random"/> promises no such thing.
/// </summary>
internal struct SplitMix64(ulong state)
{
    private ulong _state = state;

    /// <summary>A stream seed for one purpose (binning, a round's rows, a tree's features) of one seed.</summary>
    public static ulong Mix(int seed, long stream) => Finalize(((ulong)(uint)seed << 32) ^ Finalize((ulong)stream + 0x9E3779B97F4A7C15UL));

    public ulong NextUInt64()
    {
        _state += 0x9E3779B97F4A7C15UL;
        return Finalize(_state);
    }

    /// <summary>Uniform in [0, 1), 53 bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    private static ulong Finalize(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}

using System.Text;

namespace FunctionsMl.Engine.Featurization;

/// <summary>
/// Finds an input by its name as raw UTF-8 (a JSON property name straight from the document), so that mapping a
/// JSON row allocates no strings. Open addressing over FNV-1a hashes; built once, then read-only and thread-safe.
/// </summary>
internal sealed class Utf8NameTable
{
    private readonly byte[][] _names;
    private readonly int[] _slots;
    private readonly int _mask;

    public Utf8NameTable(IReadOnlyList<string> names)
    {
        _names = [.. names.Select(Encoding.UTF8.GetBytes)];
        var size = (int)Math.Min(1L << 30, Math.Max(4L, (long)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)(names.Count * 2))));
        _mask = size - 1;
        _slots = new int[size];
        Array.Fill(_slots, -1);
        for (var i = 0; i < _names.Length; i++)
        {
            var slot = (int)Hash(_names[i]) & _mask;
            while (_slots[slot] >= 0)
            {
                slot = (slot + 1) & _mask;
            }

            _slots[slot] = i;
        }
    }

    /// <summary>The index of the name, or -1.</summary>
    public int Find(ReadOnlySpan<byte> name)
    {
        var slot = (int)Hash(name) & _mask;
        while (true)
        {
            var index = _slots[slot];
            if (index < 0 || name.SequenceEqual(_names[index]))
            {
                return index;
            }

            slot = (slot + 1) & _mask;
        }
    }

    private static uint Hash(ReadOnlySpan<byte> bytes)
    {
        var hash = 2166136261;
        foreach (var b in bytes)
        {
            hash = (hash ^ b) * 16777619;
        }

        return hash;
    }
}

using System.Diagnostics.CodeAnalysis;

namespace FunctionsMl.Engine.Data;

/// <summary>
/// Reads tabular data one record at a time with bounded memory, however large the input.
/// </summary>
/// <remarks>
/// <para>
/// <see cref="TryRead"/> hands out the same <see cref="DataRecord"/> instance every time, refilled in place: a record
/// is valid until the next call, so copy what must outlive it.
/// </para>
/// <para>
/// A malformed record throws <see cref="DataFormatException"/> with its line number. When the record's extent is
/// still known (a CSV record with the wrong number of fields, a JSON line that is not a usable object) the reader has
/// already moved past it, so a caller that rejects bad rows one by one may call <see cref="TryRead"/> again. When it
/// is not (an unterminated quote, a stray quote), the rest of the input is unusable and <see cref="TryRead"/> returns
/// false from then on.
/// </para>
/// </remarks>
public interface IRecordReader : IDisposable
{
    /// <summary>
    /// Column names. CSV: the header, fixed. JSON lines: every key seen so far in first-seen order, so the list grows
    /// as new keys appear; existing positions never change.
    /// </summary>
    IReadOnlyList<string> Columns { get; }

    /// <summary>The 1-based line on which the last record read starts; 0 before the first.</summary>
    long LineNumber { get; }

    /// <summary>
    /// Whether a malformed record has made the rest of the input unusable (see the remarks): <see cref="TryRead"/> then
    /// returns false although the input did not end, so a caller that rejects bad rows can tell the two apart.
    /// </summary>
    bool IsFaulted { get; }

    /// <summary>Reads the next record; false at the end of the input.</summary>
    bool TryRead([NotNullWhen(true)] out DataRecord? record);
}

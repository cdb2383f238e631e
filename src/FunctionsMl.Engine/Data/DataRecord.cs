using System.Text;

namespace FunctionsMl.Engine.Data;

/// <summary>
/// One record from an <see cref="IRecordReader"/>: its field values by column position and its original text.
/// Fields are views over the reader's buffers, so reading them allocates nothing; the record is valid until the
/// reader's next <see cref="IRecordReader.TryRead"/>.
/// </summary>
/// <remarks>
/// A field's text is the value as written, unquoted and unescaped, not trimmed. JSON numbers keep their literal
/// text ("1.50"), booleans read as "1" and "0", and null or an absent key reads as empty, which is missing.
/// </remarks>
public sealed class DataRecord
{
    private const int AbsentLength = -1;

    private char[] _text = [];
    private char[] _scratch = new char[256];
    private int _scratchLength;
    private int[] _starts = new int[16];
    private int[] _lengths = new int[16];
    private int _fieldCount;
    private int _rawStart;
    private int _rawLength;
    private byte[]? _rawUtf8;
    private int _rawUtf8Start;
    private int _rawUtf8Length;
    private char[] _rawChars = [];

    internal DataRecord()
    {
    }

    /// <summary>The 1-based line on which this record starts.</summary>
    public long LineNumber { get; private set; }

    /// <summary>
    /// Number of fields: for CSV as found on the line, for JSON lines the number of columns known when the record
    /// was read.
    /// </summary>
    public int FieldCount => _fieldCount;

    public ReadOnlySpan<char> this[int index] => GetField(index);

    /// <summary>The original text of the record without its line terminator (CSV: quotes included, as in the file).</summary>
    public ReadOnlySpan<char> RawText
    {
        get
        {
            if (_rawUtf8 is null)
            {
                return new ReadOnlySpan<char>(_text, _rawStart, _rawLength);
            }

            if (_rawLength < 0)
            {
                var source = new ReadOnlySpan<byte>(_rawUtf8, _rawUtf8Start, _rawUtf8Length);
                EnsureCapacity(ref _rawChars, Encoding.UTF8.GetMaxCharCount(source.Length), 0);
                _rawLength = Encoding.UTF8.GetChars(source, _rawChars);
            }

            return new ReadOnlySpan<char>(_rawChars, 0, _rawLength);
        }
    }

    public ReadOnlySpan<char> GetField(int index)
    {
        if ((uint)index >= (uint)_fieldCount)
        {
            throw new ArgumentOutOfRangeException(nameof(index), index, $"The record has {_fieldCount} fields.");
        }

        var length = _lengths[index];
        if (length <= 0)
        {
            return default;
        }

        var start = _starts[index];
        return start >= 0 ? new ReadOnlySpan<char>(_text, start, length) : new ReadOnlySpan<char>(_scratch, ~start, length);
    }

    /// <summary>Whether the field is missing by <see cref="DataValues.IsMissing"/>.</summary>
    public bool IsMissing(int index) => DataValues.IsMissing(GetField(index));

    /// <summary>The field as a new string, or null when it is missing.</summary>
    public string? GetString(int index)
    {
        var field = GetField(index);
        return DataValues.IsMissing(field) ? null : field.ToString();
    }

    /// <summary>Copies every field into new strings (missing fields included as they are written).</summary>
    public string[] ToArray()
    {
        var values = new string[_fieldCount];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = GetField(i).ToString();
        }

        return values;
    }

    internal void BeginText(char[] text, long lineNumber)
    {
        _text = text;
        _rawUtf8 = null;
        _fieldCount = 0;
        _scratchLength = 0;
        LineNumber = lineNumber;
    }

    internal void AddField(int start, int length)
    {
        EnsureFields(_fieldCount + 1);
        _starts[_fieldCount] = start;
        _lengths[_fieldCount] = length;
        _fieldCount++;
    }

    /// <summary>Adds a quoted field's content with each doubled quote turned into one.</summary>
    internal void AddUnescapedField(ReadOnlySpan<char> quotedContent)
    {
        EnsureCapacity(ref _scratch, _scratchLength + quotedContent.Length, _scratchLength);
        var start = _scratchLength;
        var target = _scratch.AsSpan(start);
        var written = 0;
        for (var i = 0; i < quotedContent.Length; i++)
        {
            target[written++] = quotedContent[i];
            if (quotedContent[i] == '"')
            {
                i++;
            }
        }

        _scratchLength += written;
        EnsureFields(_fieldCount + 1);
        _starts[_fieldCount] = ~start;
        _lengths[_fieldCount] = written;
        _fieldCount++;
    }

    internal void EndText(int rawStart, int rawLength)
    {
        _rawStart = rawStart;
        _rawLength = rawLength;
    }

    internal void BeginUtf8(byte[] raw, int start, int length, int fieldCount, long lineNumber)
    {
        _rawUtf8 = raw;
        _rawUtf8Start = start;
        _rawUtf8Length = length;
        _rawLength = -1;
        _scratchLength = 0;
        _fieldCount = 0;
        LineNumber = lineNumber;
        SetFieldCount(fieldCount);
    }

    /// <summary>Grows the record to <paramref name="fieldCount"/> fields; new fields are absent.</summary>
    internal void SetFieldCount(int fieldCount)
    {
        EnsureFields(fieldCount);
        _lengths.AsSpan(_fieldCount, fieldCount - _fieldCount).Fill(AbsentLength);
        _fieldCount = fieldCount;
    }

    internal bool IsPresent(int index) => _lengths[index] != AbsentLength;

    /// <summary>Space for a field value of at most <paramref name="maxLength"/> characters; then call <see cref="CommitField"/>.</summary>
    internal Span<char> ReserveField(int maxLength)
    {
        EnsureCapacity(ref _scratch, _scratchLength + maxLength, _scratchLength);
        return _scratch.AsSpan(_scratchLength, maxLength);
    }

    internal void CommitField(int index, int length)
    {
        _starts[index] = ~_scratchLength;
        _lengths[index] = length;
        _scratchLength += length;
    }

    internal void SetField(int index, ReadOnlySpan<char> value)
    {
        value.CopyTo(ReserveField(value.Length));
        CommitField(index, value.Length);
    }

    private void EnsureFields(int count)
    {
        if (count > _starts.Length)
        {
            var size = Math.Max(count, _starts.Length * 2);
            Array.Resize(ref _starts, size);
            Array.Resize(ref _lengths, size);
        }
    }

    private static void EnsureCapacity(ref char[] buffer, int capacity, int keep)
    {
        if (capacity > buffer.Length)
        {
            var grown = new char[Math.Max(capacity, buffer.Length * 2)];
            buffer.AsSpan(0, keep).CopyTo(grown);
            buffer = grown;
        }
    }
}

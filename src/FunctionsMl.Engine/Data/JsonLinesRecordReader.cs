using System.Collections.ObjectModel;
using System.Diagnostics.CodeAnalysis;
using System.Text;
using System.Text.Json;

namespace FunctionsMl.Engine.Data;

/// <summary>
/// Streams JSON lines: one JSON object per line, UTF-8, blank lines skipped. Values may be numbers (kept as their
/// literal text), strings, booleans (read as 1 and 0) and null (missing); a key absent from a line is missing too.
/// Columns are the union of keys in first-seen order.
/// </summary>
public sealed class JsonLinesRecordReader : IRecordReader
{
    private const int InitialBufferSize = 1 << 16;
    private const int MaxStackName = 256;

    private static readonly JsonReaderOptions ReaderOptions = new() { CommentHandling = JsonCommentHandling.Disallow, MaxDepth = 64 };

    private readonly Stream _stream;
    private readonly DataRecord _record = new();
    private readonly List<string> _columns = [];
    private readonly List<byte[]> _columnUtf8 = [];
    private readonly List<int> _lastOrder = [];
    private readonly Dictionary<string, int> _columnIndex = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _columnLookup;
    private byte[] _buffer = new byte[InitialBufferSize];
    private int _start;
    private int _end;
    private bool _streamDone;
    private long _line;

    /// <param name="stream">The input, which the reader owns from now on.</param>
    /// <param name="knownColumns">
    /// Columns to number first, before any key is seen (a scorer passes the model's inputs so that it can bind them
    /// before reading); other keys are appended as they appear.
    /// </param>
    public JsonLinesRecordReader(Stream stream, IEnumerable<string>? knownColumns = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        _stream = stream;
        _columnLookup = _columnIndex.GetAlternateLookup<ReadOnlySpan<char>>();
        Columns = new ReadOnlyCollection<string>(_columns);
        foreach (var column in knownColumns ?? [])
        {
            if (!_columnIndex.ContainsKey(column))
            {
                AddColumn(column);
            }
        }
    }

    public IReadOnlyList<string> Columns { get; }

    public long LineNumber { get; private set; }

    /// <summary>Always false: every line is a record of its own, so a bad line never hides the ones after it.</summary>
    public bool IsFaulted => false;

    public bool TryRead([NotNullWhen(true)] out DataRecord? record)
    {
        while (TryReadLine(out var lineStart, out var lineLength))
        {
            var line = new ReadOnlySpan<byte>(_buffer, lineStart, lineLength);
            if (_line == 1 && line.StartsWith("\uFEFF"u8))
            {
                line = line[3..];
                lineStart += 3;
                lineLength -= 3;
            }

            if (line.EndsWith("\r"u8))
            {
                line = line[..^1];
                lineLength--;
            }

            if (line.IndexOfAnyExcept(" \t\r"u8) < 0)
            {
                continue;
            }

            LineNumber = _line;
            _record.BeginUtf8(_buffer, lineStart, lineLength, _columns.Count, _line);
            try
            {
                ParseObject(line);
            }
            catch (JsonException ex)
            {
                throw new DataFormatException($"Not valid JSON at byte {ex.BytePositionInLine + 1}: {FirstSentence(ex.Message)}", _line, innerException: ex);
            }

            record = _record;
            return true;
        }

        record = null;
        return false;
    }

    public void Dispose() => _stream.Dispose();

    private void ParseObject(ReadOnlySpan<byte> line)
    {
        var reader = new Utf8JsonReader(line, ReaderOptions);
        reader.Read();
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            var hint = reader.TokenType == JsonTokenType.StartArray ? " A JSON array is not JSON lines: write one object per line." : string.Empty;
            throw new DataFormatException($"Expected a JSON object, found {Describe(reader.TokenType)}.{hint}", _line);
        }

        var record = _record;
        var position = 0;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var column = ColumnOf(ref reader, position++);
            if (column >= record.FieldCount)
            {
                record.SetFieldCount(_columns.Count);
            }

            if (record.IsPresent(column))
            {
                throw new DataFormatException("The key appears more than once in the object.", _line, _columns[column]);
            }

            reader.Read();
            switch (reader.TokenType)
            {
                case JsonTokenType.Number:
                    var number = reader.ValueSpan;
                    var target = record.ReserveField(number.Length);
                    for (var i = 0; i < number.Length; i++)
                    {
                        target[i] = (char)number[i];
                    }

                    record.CommitField(column, number.Length);
                    break;
                case JsonTokenType.String:
                    var length = reader.HasValueSequence ? checked((int)reader.ValueSequence.Length) : reader.ValueSpan.Length;
                    record.CommitField(column, reader.CopyString(record.ReserveField(length)));
                    break;
                case JsonTokenType.True:
                    record.SetField(column, "1");
                    break;
                case JsonTokenType.False:
                    record.SetField(column, "0");
                    break;
                case JsonTokenType.Null:
                    record.CommitField(column, 0);
                    break;
                default:
                    throw new DataFormatException(
                        $"The value is {Describe(reader.TokenType)}; only numbers, strings, booleans and null are supported.", _line, _columns[column]);
            }
        }

        // Anything after the object's end is an error from the reader itself (a second value on the line).
        while (reader.Read())
        {
        }
    }

    /// <summary>The column of the property at <paramref name="position"/> in its object.</summary>
    private int ColumnOf(ref Utf8JsonReader reader, int position)
    {
        // Lines usually repeat the previous line's keys in the same order: check that guess before looking up.
        if (position < _lastOrder.Count && reader.ValueTextEquals(_columnUtf8[_lastOrder[position]]))
        {
            return _lastOrder[position];
        }

        var column = LookUp(ref reader);
        if (position < _lastOrder.Count)
        {
            _lastOrder[position] = column;
        }
        else if (position == _lastOrder.Count)
        {
            _lastOrder.Add(column);
        }

        return column;
    }

    private int LookUp(ref Utf8JsonReader reader)
    {
        string? name = null;
        int column;
        if (!reader.ValueIsEscaped && reader.ValueSpan.Length <= MaxStackName)
        {
            Span<char> buffer = stackalloc char[MaxStackName];
            var length = Encoding.UTF8.GetChars(reader.ValueSpan, buffer);
            var span = buffer[..length];
            if (_columnLookup.TryGetValue(span, out column))
            {
                return column;
            }

            name = span.ToString();
        }

        name ??= reader.GetString()!;
        return _columnIndex.TryGetValue(name, out column) ? column : AddColumn(name);
    }

    private int AddColumn(string name)
    {
        var column = _columns.Count;
        _columns.Add(name);
        _columnUtf8.Add(Encoding.UTF8.GetBytes(name));
        _columnIndex.Add(name, column);
        return column;
    }

    private bool TryReadLine(out int lineStart, out int lineLength)
    {
        var searched = 0;
        while (true)
        {
            var newline = _buffer.AsSpan(_start + searched, _end - _start - searched).IndexOf((byte)'\n');
            if (newline >= 0)
            {
                lineStart = _start;
                lineLength = searched + newline;
                _start += lineLength + 1;
                _line++;
                return true;
            }

            searched = _end - _start;
            if (_streamDone)
            {
                lineStart = _start;
                lineLength = _end - _start;
                _start = _end;
                if (lineLength == 0)
                {
                    return false;
                }

                _line++;
                return true;
            }

            if (_start > 0)
            {
                _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
                _end -= _start;
                _start = 0;
            }

            if (_end == _buffer.Length)
            {
                Array.Resize(ref _buffer, _buffer.Length * 2);
            }

            var read = _stream.Read(_buffer, _end, _buffer.Length - _end);
            _end += read;
            _streamDone = read == 0;
        }
    }

    private static string Describe(JsonTokenType token) => token switch
    {
        JsonTokenType.StartObject => "an object",
        JsonTokenType.StartArray => "an array",
        JsonTokenType.String => "a string",
        JsonTokenType.Number => "a number",
        JsonTokenType.True or JsonTokenType.False => "a boolean",
        JsonTokenType.Null => "null",
        _ => token.ToString(),
    };

    private static string FirstSentence(string message)
    {
        var cut = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        return cut < 0 ? message : message[..cut];
    }
}

using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace FunctionsMl.Engine.Data;

/// <summary>
/// Accumulates one column while data is read, deciding its kind as it goes: numbers are kept as floats while every
/// value is a number; at the first value that is not, the column becomes strings. So that the switch loses nothing
/// ("007" stays "007"), the text of the numbers read so far is kept in a compact byte log until the column is known.
/// </summary>
internal sealed class ColumnBuilder
{
    private const int InitialCapacity = 256;

    private readonly ColumnKind? _forced;
    private float[]? _numbers;
    private byte[]? _log;
    private int _logLength;
    private string?[]? _strings;
    private Dictionary<string, string>? _pool;
    private Dictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> _poolLookup;
    private long _tokens;
    private int _nonMissing;

    public ColumnBuilder(string name, ColumnKind? forced)
    {
        Name = name;
        _forced = forced;
        if (forced is null or ColumnKind.Numeric)
        {
            _numbers = new float[InitialCapacity];
            _log = forced is null ? new byte[InitialCapacity * 4] : null;
        }
        else
        {
            StartStrings(InitialCapacity);
        }
    }

    public string Name { get; }

    public int Count { get; private set; }

    public void Append(ReadOnlySpan<char> field, long lineNumber)
    {
        if (_numbers is not null)
        {
            switch (DataValues.ClassifyNumber(field, out var number))
            {
                case NumberClass.Number:
                    AddNumber(number);
                    if (_log is not null)
                    {
                        Log(field.Trim());
                    }

                    return;
                case NumberClass.Missing:
                    AddNumber(float.NaN);
                    return;
                default:
                    if (_forced == ColumnKind.Numeric)
                    {
                        throw new DataFormatException($"{DataValues.Quote(field)} is not a number, but the column is numeric.", lineNumber, Name);
                    }

                    SwitchToStrings();
                    break;
            }
        }

        AddString(field);
    }

    /// <summary>Appends missing values until the column has <paramref name="count"/> rows.</summary>
    public void PadTo(int count)
    {
        while (Count < count)
        {
            if (_numbers is not null)
            {
                AddNumber(float.NaN);
            }
            else
            {
                AddString(default);
            }
        }
    }

    /// <summary>The finished column; see <see cref="DataLoader"/> for the inference rule.</summary>
    public DataColumn Build()
    {
        if (_numbers is not null)
        {
            return DataColumn.Numeric(Name, _numbers[..Count]);
        }

        var strings = _strings![..Count];
        var kind = _forced ?? InferStringKind(_pool!.Count, _nonMissing, _tokens);
        return kind == ColumnKind.Categorical ? DataColumn.Categorical(Name, strings) : DataColumn.Text(Name, strings);
    }

    internal static ColumnKind InferStringKind(int distinct, int nonMissing, long tokens)
    {
        var maxCategories = Math.Max(20, Math.Max(nonMissing / 10, Math.Min(100, nonMissing / 2)));
        var shortValues = tokens <= 3L * nonMissing;
        return shortValues && distinct <= maxCategories ? ColumnKind.Categorical : ColumnKind.Text;
    }

    private void AddNumber(float value)
    {
        if (Count == _numbers!.Length)
        {
            Array.Resize(ref _numbers, Count * 2);
        }

        _numbers[Count++] = value;
    }

    private void AddString(ReadOnlySpan<char> field)
    {
        if (Count == _strings!.Length)
        {
            Array.Resize(ref _strings, Count * 2);
        }

        field = field.Trim();
        string? value = null;
        if (!DataValues.IsMissing(field))
        {
            if (!_poolLookup.TryGetValue(field, out value))
            {
                value = field.ToString();
                _pool!.Add(value, value);
            }

            _nonMissing++;
            _tokens += CountTokens(field);
        }

        _strings[Count++] = value;
    }

    private void StartStrings(int capacity)
    {
        _strings = new string?[capacity];
        _pool = new Dictionary<string, string>(StringComparer.Ordinal);
        _poolLookup = _pool.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <summary>Replays the numbers read so far, from their logged text, as strings.</summary>
    private void SwitchToStrings()
    {
        var numbers = _numbers!;
        var log = _log!;
        var rows = Count;
        _numbers = null;
        _log = null;
        Count = 0;
        StartStrings(Math.Max(InitialCapacity, numbers.Length));
        var position = 0;
        Span<char> chars = stackalloc char[128];
        for (var row = 0; row < rows; row++)
        {
            if (float.IsNaN(numbers[row]))
            {
                AddString(default);
                continue;
            }

            int length = log[position++];
            if (length == byte.MaxValue)
            {
                length = BinaryPrimitives.ReadInt32LittleEndian(log.AsSpan(position));
                position += 4;
            }

            var bytes = log.AsSpan(position, length);
            position += length;
            if (length <= chars.Length)
            {
                AddString(chars[..Encoding.UTF8.GetChars(bytes, chars)]);
            }
            else
            {
                AddString(Encoding.UTF8.GetString(bytes));
            }
        }
    }

    private void Log(ReadOnlySpan<char> text)
    {
        // Numbers are ASCII, so the common case is one length byte and one byte a character.
        if (text.Length < byte.MaxValue)
        {
            EnsureLog(text.Length + 1);
            if (Ascii.FromUtf16(text, _log.AsSpan(_logLength + 1), out var written) == OperationStatus.Done)
            {
                _log![_logLength] = (byte)written;
                _logLength += written + 1;
                return;
            }
        }

        var byteCount = Encoding.UTF8.GetByteCount(text);
        EnsureLog(byteCount + 5);
        if (byteCount < byte.MaxValue)
        {
            _log![_logLength++] = (byte)byteCount;
        }
        else
        {
            _log![_logLength++] = byte.MaxValue;
            BinaryPrimitives.WriteInt32LittleEndian(_log.AsSpan(_logLength), byteCount);
            _logLength += 4;
        }

        _logLength += Encoding.UTF8.GetBytes(text, _log.AsSpan(_logLength));
    }

    private void EnsureLog(int bytes)
    {
        var needed = _logLength + bytes;
        if (needed > _log!.Length)
        {
            Array.Resize(ref _log, Math.Max(needed, _log.Length * 2));
        }
    }

    private static int CountTokens(ReadOnlySpan<char> value)
    {
        var tokens = 0;
        var inToken = false;
        foreach (var c in value)
        {
            var white = char.IsWhiteSpace(c);
            tokens += !white && !inToken ? 1 : 0;
            inToken = !white;
        }

        return tokens;
    }
}

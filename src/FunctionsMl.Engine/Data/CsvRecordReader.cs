using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace FunctionsMl.Engine.Data;

/// <summary>
/// Streams CSV per RFC 4180: a header row naming the columns, then one record per line. Fields are separated by
/// commas; a field may be enclosed in double quotes, and must be if it holds a comma, a quote (written twice) or a
/// line break. Lines end with CRLF, LF or CR; the last line's terminator is optional. The input is UTF-8, with or
/// without a byte order mark.
/// </summary>
/// <remarks>
/// Deliberate choices where RFC 4180 is silent or data often departs from it: completely empty lines are skipped;
/// header names are trimmed of white space and must be non-empty and distinct; a quote inside an unquoted field, or
/// anything but a comma or line end after a closing quote, is an error rather than a guess.
/// Unquoted fields are handed out as views over the read buffer; only quoted fields with doubled quotes are copied.
/// </remarks>
public sealed class CsvRecordReader : IRecordReader
{
    private const int InitialBufferSize = 1 << 16;
    private const int MinFreeSpace = 1024;

    private static readonly SearchValues<char> Delimiters = SearchValues.Create(",\"\r\n");
    private static readonly SearchValues<char> LineBreaks = SearchValues.Create("\r\n");

    private readonly Stream _stream;
    private readonly Decoder _decoder = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false).GetDecoder();
    private readonly byte[] _bytes = new byte[InitialBufferSize];
    private readonly DataRecord _record = new();
    private readonly string[] _columns;
    private int _byteStart;
    private int _byteEnd;
    private bool _streamDone;
    private char[] _chars = new char[InitialBufferSize];
    private int _start;
    private int _end;
    private bool _final;
    private bool _failed;
    private bool _started;
    private long _nextLine = 1;

    /// <summary>Reads the header from <paramref name="stream"/>, which the reader owns from now on.</summary>
    /// <exception cref="DataFormatException">No header, or an empty or repeated column name.</exception>
    public CsvRecordReader(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        _stream = stream;
        _columns = [];
        try
        {
            if (!TryReadRecord())
            {
                throw new DataFormatException("The CSV data is empty; expected a header row naming the columns.", 1);
            }

            _columns = ReadHeader(_record);
        }
        catch
        {
            // Nobody will get a reader to dispose.
            stream.Dispose();
            throw;
        }
    }

    public IReadOnlyList<string> Columns => _columns;

    public long LineNumber { get; private set; }

    public bool IsFaulted => _failed;

    public bool TryRead([NotNullWhen(true)] out DataRecord? record)
    {
        if (!TryReadRecord())
        {
            record = null;
            return false;
        }

        if (_record.FieldCount != _columns.Length)
        {
            var hint = _record.FieldCount > _columns.Length ? " A value that contains a comma must be enclosed in double quotes." : string.Empty;
            throw new DataFormatException(
                $"Expected {_columns.Length} fields, as in the header, but found {_record.FieldCount}.{hint}", _record.LineNumber);
        }

        record = _record;
        return true;
    }

    public void Dispose() => _stream.Dispose();

    private static string[] ReadHeader(DataRecord header)
    {
        var names = new string[header.FieldCount];
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < names.Length; i++)
        {
            var name = header.GetField(i).Trim().ToString();
            if (name.Length == 0)
            {
                throw new DataFormatException($"Header column {i + 1} has no name; every column needs one.", header.LineNumber);
            }

            if (!seen.Add(name))
            {
                throw new DataFormatException($"Header names column '{name}' more than once.", header.LineNumber);
            }

            names[i] = name;
        }

        return names;
    }

    private bool TryReadRecord()
    {
        if (_failed)
        {
            return false;
        }

        while (true)
        {
            var result = ParseRecord();
            if (result == ParseResult.Record)
            {
                LineNumber = _record.LineNumber;
                return true;
            }

            if (result == ParseResult.EndOfData)
            {
                return false;
            }

            Fill();
        }
    }

    /// <summary>Parses one record at <see cref="_start"/>; a record always lies whole in the buffer.</summary>
    private ParseResult ParseRecord()
    {
        var chars = _chars;
        var pos = _start;

        // Empty lines are consumed for good, so a refill never sees them again.
        while (true)
        {
            if (pos == _end)
            {
                return _final ? ParseResult.EndOfData : ParseResult.NeedMore;
            }

            var c = chars[pos];
            if (c == '\n')
            {
                pos++;
            }
            else if (c == '\r')
            {
                if (pos + 1 == _end && !_final)
                {
                    return ParseResult.NeedMore;
                }

                pos += pos + 1 < _end && chars[pos + 1] == '\n' ? 2 : 1;
            }
            else
            {
                break;
            }

            _nextLine++;
            _start = pos;
        }

        var record = _record;
        record.BeginText(chars, _nextLine);
        long breaksInQuotes = 0;
        int recordEnd;
        while (true)
        {
            if (pos == _end)
            {
                if (!_final)
                {
                    return ParseResult.NeedMore;
                }

                // The data ends right after a comma: the last field is empty.
                record.AddField(pos, 0);
                recordEnd = pos;
                break;
            }

            if (chars[pos] == '"')
            {
                var contentStart = pos + 1;
                var scan = contentStart;
                var doubled = false;
                int closing;
                while (true)
                {
                    var quote = chars.AsSpan(scan, _end - scan).IndexOf('"');
                    if (quote < 0)
                    {
                        if (!_final)
                        {
                            return ParseResult.NeedMore;
                        }

                        throw Fatal($"Field {record.FieldCount + 1} opens a quote that is never closed.");
                    }

                    quote += scan;
                    if (quote + 1 == _end && !_final)
                    {
                        return ParseResult.NeedMore;
                    }

                    if (quote + 1 < _end && chars[quote + 1] == '"')
                    {
                        doubled = true;
                        scan = quote + 2;
                        continue;
                    }

                    closing = quote;
                    break;
                }

                var content = chars.AsSpan(contentStart, closing - contentStart);
                if (content.ContainsAny(LineBreaks))
                {
                    breaksInQuotes += CountLineBreaks(content);
                }

                if (doubled)
                {
                    record.AddUnescapedField(content);
                }
                else
                {
                    record.AddField(contentStart, content.Length);
                }

                pos = closing + 1;
                if (pos == _end)
                {
                    recordEnd = pos;
                    break;
                }

                var next = chars[pos];
                if (next == ',')
                {
                    pos++;
                    continue;
                }

                if (next != '\r' && next != '\n')
                {
                    throw Fatal($"Field {record.FieldCount} has {DescribeChar(next)} after its closing quote; expected a comma or the end of the line.");
                }
            }
            else
            {
                var found = chars.AsSpan(pos, _end - pos).IndexOfAny(Delimiters);
                if (found < 0)
                {
                    if (!_final)
                    {
                        return ParseResult.NeedMore;
                    }

                    record.AddField(pos, _end - pos);
                    pos = _end;
                    recordEnd = pos;
                    break;
                }

                var delimiter = pos + found;
                if (chars[delimiter] == '"')
                {
                    throw Fatal($"Field {record.FieldCount + 1} has a quote inside an unquoted value; enclose the value in quotes and double the quote (\"\").");
                }

                record.AddField(pos, found);
                pos = delimiter;
                if (chars[pos] == ',')
                {
                    pos++;
                    continue;
                }
            }

            // A line break ends the record.
            if (chars[pos] == '\r')
            {
                if (pos + 1 == _end && !_final)
                {
                    return ParseResult.NeedMore;
                }

                recordEnd = pos;
                pos += pos + 1 < _end && chars[pos + 1] == '\n' ? 2 : 1;
            }
            else
            {
                recordEnd = pos;
                pos++;
            }

            break;
        }

        record.EndText(_start, recordEnd - _start);
        _nextLine += 1 + breaksInQuotes;
        _start = pos;
        return ParseResult.Record;
    }

    private static long CountLineBreaks(ReadOnlySpan<char> text)
    {
        long count = 0;
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '\n' || (text[i] == '\r' && (i + 1 == text.Length || text[i + 1] != '\n')))
            {
                count++;
            }
        }

        return count;
    }

    private static string DescribeChar(char c) => char.IsControl(c) ? $"the character U+{(int)c:X4}" : $"'{c}'";

    /// <summary>An error after which the record boundaries are lost: the rest of the input is abandoned.</summary>
    private DataFormatException Fatal(string reason)
    {
        _failed = true;
        return new DataFormatException(reason, _record.LineNumber);
    }

    /// <summary>Moves the unparsed tail to the front of the buffer (growing it if a record fills it) and decodes more input.</summary>
    private void Fill()
    {
        if (_start > 0)
        {
            _chars.AsSpan(_start, _end - _start).CopyTo(_chars);
            _end -= _start;
            _start = 0;
        }

        if (_chars.Length - _end < MinFreeSpace)
        {
            Array.Resize(ref _chars, _chars.Length * 2);
        }

        while (true)
        {
            if (_byteStart == _byteEnd && !_streamDone)
            {
                _byteStart = 0;
                _byteEnd = _stream.Read(_bytes, 0, _bytes.Length);
                _streamDone = _byteEnd == 0;
            }

            _decoder.Convert(
                _bytes.AsSpan(_byteStart, _byteEnd - _byteStart), _chars.AsSpan(_end), _streamDone,
                out var bytesUsed, out var charsUsed, out var completed);
            _byteStart += bytesUsed;
            var first = !_started;
            _started = true;
            if (first && charsUsed > 0 && _chars[_end] == '\uFEFF')
            {
                // A byte order mark is not data.
                _chars.AsSpan(_end + 1, charsUsed - 1).CopyTo(_chars.AsSpan(_end));
                charsUsed--;
            }
            else if (first && charsUsed == 0)
            {
                _started = false;
            }

            _end += charsUsed;
            if (_streamDone && completed)
            {
                _final = true;
                return;
            }

            if (charsUsed > 0)
            {
                return;
            }
        }
    }

    private enum ParseResult
    {
        Record,
        NeedMore,
        EndOfData,
    }
}

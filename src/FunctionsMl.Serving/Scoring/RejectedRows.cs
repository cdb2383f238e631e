using System.Globalization;
using System.Text;

namespace FunctionsMl.Serving.Scoring;

/// <summary>
/// The rows of one input that could not be scored, as CSV (<c>line_number,field,reason,record</c>), spilled to a
/// temporary file created on the first rejection so that memory stays bounded however many rows are bad.
/// </summary>
/// <remarks>
/// <c>record</c> is the row as written when the reader could split it into fields; for a line it could not parse at
/// all (a wrong number of CSV fields, a JSON line that is not an object) it is empty and the line number locates it.
/// </remarks>
internal sealed class RejectedRows : IDisposable
{
    public const string Header = "line_number,field,reason,record";

    /// <summary>Longest record text kept per rejected row; longer ones are cut and marked.</summary>
    private const int MaxRecordChars = 64 * 1024;

    private readonly StringBuilder _line = new();
    private FileStream? _file;
    private StreamWriter? _writer;

    public long Count { get; private set; }

    public void Add(long lineNumber, string? field, string reason, ReadOnlySpan<char> record)
    {
        if (_writer is null)
        {
            _file = new FileStream(
                Path.Combine(Path.GetTempPath(), $"functionsml-rejected-{Guid.NewGuid():n}.csv"),
                FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, bufferSize: 1, FileOptions.DeleteOnClose);
            _writer = new StreamWriter(_file, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), bufferSize: 64 * 1024, leaveOpen: true);
            _writer.Write(Header);
            _writer.Write("\r\n");
        }

        _line.Clear();
        _line.Append(lineNumber.ToString(CultureInfo.InvariantCulture)).Append(',');
        CsvText.AppendField(_line, field ?? string.Empty);
        _line.Append(',');
        CsvText.AppendField(_line, reason);
        _line.Append(',');
        CsvText.AppendField(_line, record.Length > MaxRecordChars ? $"{record[..MaxRecordChars]}...(cut)" : record);
        _line.Append("\r\n");
        _writer.Write(_line);
        Count++;
    }

    /// <summary>The rejected rows written so far, positioned at the start, or null when there are none. Owned by this instance: do not dispose it.</summary>
    public Stream? Rewind()
    {
        if (_writer is null)
        {
            return null;
        }

        _writer.Flush();
        _file!.Position = 0;
        return _file;
    }

    public void Dispose()
    {
        _writer?.Dispose();
        _file?.Dispose();
    }
}

using System.Text;
using FunctionsMl.Engine.Data;

namespace FunctionsMl.Engine.Tests.Data;

internal static class TestStreams
{
    public static MemoryStream Utf8(string text, bool bom = false)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        return new MemoryStream(bom ? [0xEF, 0xBB, 0xBF, .. bytes] : bytes);
    }

    public static void AssertStrings(IEnumerable<string?> expected, IEnumerable<string?> actual) => Assert.Equal(expected, actual);

    /// <summary>Every record as its fields, with its line number.</summary>
    public static List<(long Line, string[] Fields)> ReadAll(IRecordReader reader)
    {
        var records = new List<(long, string[])>();
        while (reader.TryRead(out var record))
        {
            records.Add((record.LineNumber, record.ToArray()));
        }

        return records;
    }
}

/// <summary>Hands out at most a few bytes per read, so that every buffer boundary case is crossed.</summary>
internal sealed class TrickleStream(byte[] data, int chunk) : Stream
{
    private int _position;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => data.Length;

    public override long Position { get => _position; set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count)
    {
        var n = Math.Min(Math.Min(count, chunk), data.Length - _position);
        Array.Copy(data, _position, buffer, offset, n);
        _position += n;
        return n;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}

using Microsoft.Win32.SafeHandles;

namespace FunctionsMl.Serving.Storage.FileSystem;

/// <summary>A read-only, seekable view of the content part of an open object file.</summary>
internal sealed class ContentReadStream(SafeFileHandle handle, long contentLength) : Stream
{
    private long _position;

    public override bool CanRead => !handle.IsClosed;

    public override bool CanSeek => !handle.IsClosed;

    public override bool CanWrite => false;

    public override long Length => contentLength;

    public override long Position
    {
        get => _position;
        set => Seek(value, SeekOrigin.Begin);
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        int wanted = (int)Math.Min(buffer.Length, contentLength - _position);
        if (wanted <= 0)
        {
            return 0;
        }

        int read = RandomAccess.Read(handle, buffer[..wanted], ObjectFileFormat.HeaderLength + _position);
        _position += read;
        return read;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        int wanted = (int)Math.Min(buffer.Length, contentLength - _position);
        if (wanted <= 0)
        {
            return 0;
        }

        int read = await RandomAccess.ReadAsync(handle, buffer[..wanted], ObjectFileFormat.HeaderLength + _position, cancellationToken).ConfigureAwait(false);
        _position += read;
        return read;
    }

    public override long Seek(long offset, SeekOrigin origin)
    {
        long target = origin switch
        {
            SeekOrigin.Begin => offset,
            SeekOrigin.Current => _position + offset,
            SeekOrigin.End => contentLength + offset,
            _ => throw new ArgumentOutOfRangeException(nameof(origin)),
        };
        ArgumentOutOfRangeException.ThrowIfNegative(target, nameof(offset));
        _position = target;
        return target;
    }

    public override void Flush()
    {
    }

    public override void SetLength(long value) => throw new NotSupportedException("Stored objects are read-only; write a new version instead.");

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException("Stored objects are read-only; write a new version instead.");

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            handle.Dispose();
        }

        base.Dispose(disposing);
    }
}

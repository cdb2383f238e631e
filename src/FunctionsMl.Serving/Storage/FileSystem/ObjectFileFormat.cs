using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace FunctionsMl.Serving.Storage.FileSystem;

/// <summary>
/// The layout of one object file: a 64-byte header holding the ETag, then the content.
/// </summary>
/// <remarks>
/// The ETag lives inside the file, not in a sidecar, so that content and ETag are replaced by the same
/// rename and a reader holding one open handle sees one version of both: files are never modified in
/// place, only replaced, so the handle's inode never changes under it. A sidecar would need a second
/// rename and leave a window (and, after a crash, a permanent state) where the two disagree.
/// <code>
///  0  8  magic 89 'F' 'M' 'L' 0D 0A 1A 0A   (binary-looking, like PNG's, so no text file matches)
///  8  1  format version (1)
///  9  1  ETag length in bytes (at most 32)
/// 10  6  reserved, zero
/// 16  8  content length, little-endian int64 (checked against the file length: detects truncation)
/// 24  8  last modified, UTC ticks, little-endian int64
/// 32 32  ETag, ASCII, zero-padded
/// 64  .  content
/// </code>
/// </remarks>
internal static class ObjectFileFormat
{
    public const int HeaderLength = 64;
    private const byte Version = 1;
    private const int MaxETagBytes = 32;

    private static ReadOnlySpan<byte> Magic => [0x89, (byte)'F', (byte)'M', (byte)'L', 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>A fresh ETag: 128 random bits, so it differs even when identical content is rewritten.</summary>
    public static string NewETag() => RandomNumberGenerator.GetHexString(MaxETagBytes, lowercase: true);

    /// <summary>The ETag as callers see it: quoted, as HTTP and blob storage write ETags.</summary>
    public static string Quote(string rawETag) => $"\"{rawETag}\"";

    public static void WriteHeader(Span<byte> header, long contentLength, DateTimeOffset lastModified, string rawETag)
    {
        header[..HeaderLength].Clear();
        Magic.CopyTo(header);
        header[8] = Version;
        int eTagLength = Encoding.ASCII.GetBytes(rawETag, header.Slice(32, MaxETagBytes));
        header[9] = (byte)eTagLength;
        BinaryPrimitives.WriteInt64LittleEndian(header[16..], contentLength);
        BinaryPrimitives.WriteInt64LittleEndian(header[24..], lastModified.UtcTicks);
    }

    /// <summary>Whether <paramref name="header"/> starts with the magic (a file this store wrote).</summary>
    public static bool HasMagic(ReadOnlySpan<byte> header) => header.Length >= Magic.Length && header[..Magic.Length].SequenceEqual(Magic);

    /// <summary>The write time recorded in a header, whatever its other fields say (a temporary file's may be incomplete).</summary>
    public static bool TryReadLastModified(ReadOnlySpan<byte> header, out DateTimeOffset lastModified)
    {
        lastModified = default;
        if (header.Length < HeaderLength || !HasMagic(header))
        {
            return false;
        }

        long ticks = BinaryPrimitives.ReadInt64LittleEndian(header[24..]);
        if (ticks < DateTimeOffset.MinValue.UtcTicks || ticks > DateTimeOffset.MaxValue.UtcTicks)
        {
            return false;
        }

        lastModified = new DateTimeOffset(ticks, TimeSpan.Zero);
        return true;
    }

    /// <exception cref="InvalidDataException">The file is not a complete object file of a known version.</exception>
    public static ObjectHeader ReadHeader(ReadOnlySpan<byte> header, long fileLength, string path)
    {
        if (header.Length < HeaderLength || !HasMagic(header))
        {
            throw new InvalidDataException($"Stored object '{path}' is not an object file of this store (bad header); it was written by something else or is damaged.");
        }

        if (header[8] != Version)
        {
            throw new InvalidDataException($"Stored object '{path}' has format version {header[8]}; this store reads version {Version}.");
        }

        int eTagLength = header[9];
        long contentLength = BinaryPrimitives.ReadInt64LittleEndian(header[16..]);
        long ticks = BinaryPrimitives.ReadInt64LittleEndian(header[24..]);
        if (eTagLength is 0 or > MaxETagBytes || contentLength < 0 || ticks < DateTimeOffset.MinValue.UtcTicks || ticks > DateTimeOffset.MaxValue.UtcTicks)
        {
            throw new InvalidDataException($"Stored object '{path}' has a damaged header.");
        }

        if (contentLength != fileLength - HeaderLength)
        {
            throw new InvalidDataException(
                $"Stored object '{path}' is damaged: its header records {contentLength} content bytes but the file holds {fileLength - HeaderLength}.");
        }

        string eTag = Quote(Encoding.ASCII.GetString(header.Slice(32, eTagLength)));
        return new ObjectHeader(contentLength, new DateTimeOffset(ticks, TimeSpan.Zero), eTag);
    }
}

/// <summary>What an object file's header says.</summary>
/// <param name="ETag">Quoted, as callers see it.</param>
internal readonly record struct ObjectHeader(long ContentLength, DateTimeOffset LastModified, string ETag);

using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace FunctionsMl.Engine.Models;

/// <summary>
/// The envelope of a model version: one file holding a JSON manifest and a binary payload, sealed by a
/// SHA-256 of everything before it, so a truncated or altered file is refused before any of it is used.
/// </summary>
/// <remarks>
/// Layout, little-endian:
/// <code>
/// "FMLMODEL"            8 bytes signature
/// formatVersion         uint16  version this file was written with
/// minReaderVersion      uint16  oldest reader that understands it
/// manifestLength        int32, then the manifest as UTF-8 JSON
/// payloadLength         int32, then the payload
/// sha256                32 bytes over every preceding byte
/// </code>
/// Version history: 1 — first format.
/// </remarks>
public static class ModelFile
{
    /// <summary>The format this build writes.</summary>
    public const ushort CurrentFormatVersion = 1;

    /// <summary>Conventional file name of a model version in storage.</summary>
    public const string FileName = "model.fml";

    private const int HashLength = 32;
    private const int HeaderLength = 8 + 2 + 2;
    private static ReadOnlySpan<byte> Signature => "FMLMODEL"u8;

    public static byte[] Write(ReadOnlySpan<byte> manifestJson, ReadOnlySpan<byte> payload)
    {
        var length = HeaderLength + 4 + manifestJson.Length + 4 + payload.Length + HashLength;
        var file = new byte[length];
        var span = file.AsSpan();
        Signature.CopyTo(span);
        BinaryPrimitives.WriteUInt16LittleEndian(span[8..], CurrentFormatVersion);
        BinaryPrimitives.WriteUInt16LittleEndian(span[10..], CurrentFormatVersion);
        var offset = HeaderLength;
        offset = WriteSection(span, offset, manifestJson);
        offset = WriteSection(span, offset, payload);
        SHA256.HashData(span[..offset], span[offset..]);
        return file;
    }

    /// <summary>Checks the envelope and returns its two sections.</summary>
    /// <exception cref="ModelFormatException">Not a model file, an unreadable format version, truncated or tampered.</exception>
    public static ModelFileContent Read(ReadOnlyMemory<byte> file)
    {
        var span = file.Span;
        if (span.Length < Signature.Length || !span[..Signature.Length].SequenceEqual(Signature))
        {
            throw new ModelFormatException("Not a FunctionsMl model file: the FMLMODEL signature is missing.");
        }

        if (span.Length < HeaderLength + 8 + HashLength)
        {
            throw new ModelFormatException($"The model file is truncated: {span.Length} bytes is shorter than the smallest model file.");
        }

        var formatVersion = BinaryPrimitives.ReadUInt16LittleEndian(span[8..]);
        var minReaderVersion = BinaryPrimitives.ReadUInt16LittleEndian(span[10..]);
        if (minReaderVersion > CurrentFormatVersion)
        {
            throw new ModelFormatException(
                $"The model file has format version {formatVersion} and needs a reader of version {minReaderVersion} or newer; this build reads up to version {CurrentFormatVersion}. Upgrade FunctionsMl to load it.");
        }

        var hashed = span[..^HashLength];
        Span<byte> actual = stackalloc byte[HashLength];
        SHA256.HashData(hashed, actual);
        if (!actual.SequenceEqual(span[^HashLength..]))
        {
            throw new ModelFormatException("The model file is corrupt: its SHA-256 does not match its content (truncated or modified after it was written).");
        }

        var offset = HeaderLength;
        var manifest = ReadSection(file, ref offset, "manifest");
        var payload = ReadSection(file, ref offset, "payload");
        if (offset != hashed.Length)
        {
            throw new ModelFormatException($"The model file has {hashed.Length - offset} unexpected bytes after its payload.");
        }

        return new ModelFileContent(formatVersion, manifest, payload);
    }

    /// <summary>The lowercase hex SHA-256 of a whole model file, as recorded by the registry.</summary>
    public static string ContentHash(ReadOnlySpan<byte> file) => Convert.ToHexStringLower(SHA256.HashData(file));

    /// <summary>Reads only the manifest, for listings that should not decode the whole model.</summary>
    public static string ReadManifestJson(ReadOnlyMemory<byte> file) => Encoding.UTF8.GetString(Read(file).Manifest.Span);

    private static int WriteSection(Span<byte> file, int offset, ReadOnlySpan<byte> section)
    {
        BinaryPrimitives.WriteInt32LittleEndian(file[offset..], section.Length);
        section.CopyTo(file[(offset + 4)..]);
        return offset + 4 + section.Length;
    }

    private static ReadOnlyMemory<byte> ReadSection(ReadOnlyMemory<byte> file, ref int offset, string name)
    {
        var limit = file.Length - HashLength;
        if (offset + 4 > limit)
        {
            throw new ModelFormatException($"The model file is malformed: its {name} length lies past the end of the content.");
        }

        var length = BinaryPrimitives.ReadInt32LittleEndian(file.Span[offset..]);
        if (length < 0 || length > limit - offset - 4)
        {
            throw new ModelFormatException($"The model file is malformed: its {name} claims {length} bytes, more than the file holds.");
        }

        var section = file.Slice(offset + 4, length);
        offset += 4 + length;
        return section;
    }
}

/// <summary>The verified sections of a model file.</summary>
public sealed record ModelFileContent(ushort FormatVersion, ReadOnlyMemory<byte> Manifest, ReadOnlyMemory<byte> Payload);

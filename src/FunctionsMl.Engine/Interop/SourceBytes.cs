namespace FunctionsMl.Engine.Interop;

/// <summary>The original model file as embedded in a FunctionsMl model payload.</summary>
internal static class SourceBytes
{
    /// <summary>Files larger than this are refused; a classical model this size is almost certainly not one.</summary>
    public const int MaxLength = 512 * 1024 * 1024;

    public static byte[] Read(BinaryReader reader)
    {
        var length = reader.ReadInt32();
        if (length is < 1 or > MaxLength)
        {
            throw new InvalidDataException($"The embedded model file has an invalid length {length}.");
        }

        var bytes = reader.ReadBytes(length);
        return bytes.Length == length ? bytes : throw new EndOfStreamException("The embedded model file is truncated.");
    }
}

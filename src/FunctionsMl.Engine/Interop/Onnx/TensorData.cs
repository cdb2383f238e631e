using System.Buffers.Binary;
using System.Text;
using Onnx;

namespace FunctionsMl.Engine.Interop.Onnx;

/// <summary>A tensor given in the file (initializer, Constant node, tensor attribute), decoded to the plan's storage types.</summary>
internal sealed record TensorData(OnnxElementType Type, long[] Dims, Array Data, int DataType)
{
    public long Count => Data.Length;

    /// <summary>The values as doubles (numeric and boolean tensors).</summary>
    public double[] AsDoubles() => Data switch
    {
        float[] f => [.. f.Select(v => (double)v)],
        double[] d => d,
        long[] l => [.. l.Select(v => (double)v)],
        bool[] b => [.. b.Select(v => v ? 1.0 : 0.0)],
        _ => throw new ModelImportException("a string tensor is used where numbers are expected."),
    };

    public long[] AsLongs() => Data switch
    {
        long[] l => l,
        _ => throw new ModelImportException($"a {Type} tensor is used where integers are expected."),
    };

    /// <exception cref="ModelImportException">External data, an unsupported type, or a length that does not match the dims.</exception>
    public static TensorData Read(TensorProto tensor, string where)
    {
        if (tensor.HasDataLocation && tensor.DataLocation == TensorProto.Types.DataLocation.External)
        {
            throw new ModelImportException($"{where}: tensor data stored in external files is not supported; save the model with its data inside.");
        }

        if (tensor.Segment is not null)
        {
            throw new ModelImportException($"{where}: segmented tensors are not supported.");
        }

        var dataType = tensor.DataType;
        if (!OnnxElementTypes.TryFrom(dataType, out var type))
        {
            throw new ModelImportException($"{where}: tensor element type {OnnxElementTypes.Name(dataType)} is not supported.");
        }

        var dims = tensor.Dims.ToArray();
        long count = 1;
        foreach (var dim in dims)
        {
            count = dim >= 0 ? checked(count * dim) : throw new ModelImportException($"{where}: a tensor dimension is negative.");
        }

        var data = tensor.HasRawData && tensor.RawData.Length > 0 ? ReadRaw(tensor, type, where) : ReadTyped(tensor, type);
        if (data.Length != count)
        {
            throw new ModelImportException($"{where}: the tensor has dims [{string.Join(", ", dims)}] ({count} values) but holds {data.Length}.");
        }

        return new TensorData(type, dims, data, dataType);
    }

    private static Array ReadTyped(TensorProto tensor, OnnxElementType type)
    {
        var dataType = (TensorProto.Types.DataType)tensor.DataType;
        return type switch
        {
            OnnxElementType.Float => tensor.FloatData.ToArray(),
            OnnxElementType.Double => tensor.DoubleData.ToArray(),
            OnnxElementType.Bool => tensor.Int32Data.Select(v => v != 0).ToArray(),
            OnnxElementType.String => tensor.StringData.Select(s => s.ToStringUtf8()).ToArray(),
            _ => dataType switch
            {
                TensorProto.Types.DataType.Int64 => tensor.Int64Data.ToArray(),
                TensorProto.Types.DataType.Uint32 or TensorProto.Types.DataType.Uint64 => tensor.Uint64Data.Select(v => unchecked((long)v)).ToArray(),
                _ => tensor.Int32Data.Select(v => (long)v).ToArray(),
            },
        };
    }

    private static Array ReadRaw(TensorProto tensor, OnnxElementType type, string where)
    {
        var raw = tensor.RawData.Span;
        var dataType = (TensorProto.Types.DataType)tensor.DataType;
        var size = dataType switch
        {
            TensorProto.Types.DataType.Double or TensorProto.Types.DataType.Int64 or TensorProto.Types.DataType.Uint64 => 8,
            TensorProto.Types.DataType.Float or TensorProto.Types.DataType.Int32 or TensorProto.Types.DataType.Uint32 => 4,
            TensorProto.Types.DataType.Int16 or TensorProto.Types.DataType.Uint16 => 2,
            TensorProto.Types.DataType.Int8 or TensorProto.Types.DataType.Uint8 or TensorProto.Types.DataType.Bool => 1,
            _ => throw new ModelImportException($"{where}: {dataType} tensors cannot be stored as raw bytes."),
        };
        if (raw.Length % size != 0)
        {
            throw new ModelImportException($"{where}: the raw data has {raw.Length} bytes, not a multiple of {size}.");
        }

        var count = raw.Length / size;
        switch (type)
        {
            case OnnxElementType.Float:
            {
                var values = new float[count];
                for (var i = 0; i < count; i++)
                {
                    values[i] = BinaryPrimitives.ReadSingleLittleEndian(raw[(i * 4)..]);
                }

                return values;
            }

            case OnnxElementType.Double:
            {
                var values = new double[count];
                for (var i = 0; i < count; i++)
                {
                    values[i] = BinaryPrimitives.ReadDoubleLittleEndian(raw[(i * 8)..]);
                }

                return values;
            }

            case OnnxElementType.Bool:
                return raw.ToArray().Select(b => b != 0).ToArray();
            default:
            {
                var values = new long[count];
                for (var i = 0; i < count; i++)
                {
                    var bytes = raw[(i * size)..];
                    values[i] = dataType switch
                    {
                        TensorProto.Types.DataType.Int64 or TensorProto.Types.DataType.Uint64 => BinaryPrimitives.ReadInt64LittleEndian(bytes),
                        TensorProto.Types.DataType.Int32 => BinaryPrimitives.ReadInt32LittleEndian(bytes),
                        TensorProto.Types.DataType.Uint32 => BinaryPrimitives.ReadUInt32LittleEndian(bytes),
                        TensorProto.Types.DataType.Int16 => BinaryPrimitives.ReadInt16LittleEndian(bytes),
                        TensorProto.Types.DataType.Uint16 => BinaryPrimitives.ReadUInt16LittleEndian(bytes),
                        TensorProto.Types.DataType.Int8 => (sbyte)bytes[0],
                        _ => bytes[0],
                    };
                }

                return values;
            }
        }
    }

    public static string Utf8(Google.Protobuf.ByteString bytes) => Encoding.UTF8.GetString(bytes.Span);
}

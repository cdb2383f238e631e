using Onnx;

namespace FunctionsMl.Engine.Interop.Onnx;

/// <summary>
/// Element types the plan stores. Every ONNX integer type is held as <see cref="long"/> (Cast to a narrower type
/// wraps as the narrower type would); float16, bfloat16 and complex types are refused.
/// </summary>
internal enum OnnxElementType
{
    Float,
    Double,
    Int64,
    Bool,
    String,
}

internal static class OnnxElementTypes
{
    public static bool TryFrom(int dataType, out OnnxElementType type)
    {
        type = (TensorProto.Types.DataType)dataType switch
        {
            TensorProto.Types.DataType.Float => OnnxElementType.Float,
            TensorProto.Types.DataType.Double => OnnxElementType.Double,
            TensorProto.Types.DataType.Int64 or TensorProto.Types.DataType.Int32 or TensorProto.Types.DataType.Int16 or TensorProto.Types.DataType.Int8
                or TensorProto.Types.DataType.Uint8 or TensorProto.Types.DataType.Uint16 or TensorProto.Types.DataType.Uint32 or TensorProto.Types.DataType.Uint64 => OnnxElementType.Int64,
            TensorProto.Types.DataType.Bool => OnnxElementType.Bool,
            TensorProto.Types.DataType.String => OnnxElementType.String,
            _ => (OnnxElementType)(-1),
        };
        return (int)type >= 0;
    }

    public static string Name(int dataType) =>
        Enum.IsDefined((TensorProto.Types.DataType)dataType) ? ((TensorProto.Types.DataType)dataType).ToString().ToUpperInvariant() : dataType.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public static Array NewArray(OnnxElementType type, long length) => type switch
    {
        OnnxElementType.Float => new float[length],
        OnnxElementType.Double => new double[length],
        OnnxElementType.Int64 => new long[length],
        OnnxElementType.Bool => new bool[length],
        _ => Filled(length),
    };

    public static bool IsReal(this OnnxElementType type) => type is OnnxElementType.Float or OnnxElementType.Double;

    public static bool IsNumeric(this OnnxElementType type) => type is OnnxElementType.Float or OnnxElementType.Double or OnnxElementType.Int64;

    private static string[] Filled(long length)
    {
        var strings = new string[length];
        Array.Fill(strings, string.Empty);
        return strings;
    }
}

namespace FunctionsMl.Engine.Interop.Onnx.Kernels;

/// <summary>Reads one row of a numeric [N, F] tensor as doubles (exact for float and for integers up to 2^53).</summary>
internal static class RowReader
{
    /// <summary>Rows wider than this are read into a heap buffer; narrower ones stay on the stack.</summary>
    public const int MaxStackWidth = 2048;

    public static void Read(Array buffer, int row, int width, Span<double> destination)
    {
        var start = row * width;
        switch (buffer)
        {
            case float[] f:
                for (var i = 0; i < width; i++)
                {
                    destination[i] = f[start + i];
                }

                break;
            case double[] d:
                d.AsSpan(start, width).CopyTo(destination);
                break;
            case long[] l:
                for (var i = 0; i < width; i++)
                {
                    destination[i] = l[start + i];
                }

                break;
        }
    }

    public static void Write(Array buffer, int offset, ReadOnlySpan<double> values)
    {
        switch (buffer)
        {
            case float[] f:
                for (var i = 0; i < values.Length; i++)
                {
                    f[offset + i] = (float)values[i];
                }

                break;
            case double[] d:
                values.CopyTo(d.AsSpan(offset));
                break;
        }
    }
}

namespace FunctionsMl.Engine.Interop.Onnx.Kernels;

/// <summary>Copies a buffer: Identity, and Reshape, Flatten, Squeeze, Unsqueeze and ZipMap, which change only the shape or view.</summary>
internal sealed class CopyKernel<T>(OnnxValue input, OnnxValue output) : OnnxKernel
{
    public override void Run(OnnxWorkspace workspace, int rows)
    {
        var count = (int)output.Shape.Count(rows);
        workspace.Get<T>(input).AsSpan(0, count).CopyTo(workspace.Get<T>(output));
    }
}

/// <summary>Concatenates along an axis: for each index of the leading dimensions, each input's block in turn.</summary>
internal sealed class ConcatKernel<T>(OnnxValue[] inputs, OnnxValue output, int axis) : OnnxKernel
{
    public override void Run(OnnxWorkspace workspace, int rows)
    {
        var outer = 1;
        for (var d = 0; d < axis; d++)
        {
            outer *= (int)output.Shape[d].At(rows);
        }

        var z = workspace.Get<T>(output);
        var offset = 0;
        for (var o = 0; o < outer; o++)
        {
            foreach (var input in inputs)
            {
                var block = (int)(input.Shape.Count(rows) / outer);
                workspace.Get<T>(input).AsSpan(o * block, block).CopyTo(z.AsSpan(offset));
                offset += block;
            }
        }
    }
}

/// <summary>Transpose by a permutation of the axes.</summary>
internal sealed class TransposeKernel<T>(OnnxValue input, OnnxValue output, int[] permutation) : OnnxKernel
{
    public override void Run(OnnxWorkspace workspace, int rows)
    {
        var rank = permutation.Length;
        Span<int> inDims = stackalloc int[rank];
        Span<int> inStrides = stackalloc int[rank];
        Span<int> strides = stackalloc int[rank];
        Span<int> dims = stackalloc int[rank];
        Span<int> index = stackalloc int[rank];
        var stride = 1;
        for (var d = rank - 1; d >= 0; d--)
        {
            inDims[d] = (int)input.Shape[d].At(rows);
            inStrides[d] = stride;
            stride *= inDims[d];
        }

        for (var d = 0; d < rank; d++)
        {
            dims[d] = inDims[permutation[d]];
            strides[d] = inStrides[permutation[d]];
        }

        var x = workspace.Get<T>(input);
        var y = workspace.Get<T>(output);
        var count = (int)output.Shape.Count(rows);
        var source = 0;
        for (var k = 0; k < count; k++)
        {
            y[k] = x[source];
            for (var d = rank - 1; d >= 0; d--)
            {
                source += strides[d];
                if (++index[d] < dims[d])
                {
                    break;
                }

                source -= strides[d] * dims[d];
                index[d] = 0;
            }
        }
    }
}

/// <summary>
/// Gather along an axis. Negative indices count from the end; an index still out of range yields the type's
/// default (0, "") instead of failing the prediction.
/// </summary>
internal sealed class GatherKernel<T>(OnnxValue data, OnnxValue indices, OnnxValue output, int axis) : OnnxKernel
{
    public override void Run(OnnxWorkspace workspace, int rows)
    {
        var x = workspace.Get<T>(data);
        var ids = workspace.Get<long>(indices);
        var y = workspace.Get<T>(output);
        var outer = 1;
        for (var d = 0; d < axis; d++)
        {
            outer *= (int)data.Shape[d].At(rows);
        }

        var axisSize = (int)data.Shape[axis].At(rows);
        var inner = 1;
        for (var d = axis + 1; d < data.Shape.Rank; d++)
        {
            inner *= (int)data.Shape[d].At(rows);
        }

        var count = (int)indices.Shape.Count(rows);
        var k = 0;
        for (var o = 0; o < outer; o++)
        {
            for (var i = 0; i < count; i++)
            {
                var index = ids[i] < 0 ? ids[i] + axisSize : ids[i];
                var source = (o * axisSize * inner) + (index * inner);
                for (var j = 0; j < inner; j++)
                {
                    y[k++] = index >= 0 && index < axisSize ? x[source + j] : default!;
                }
            }
        }
    }
}

/// <summary>Cast between float, double, integer and boolean tensors; narrower integer targets wrap as they would.</summary>
internal sealed class CastKernel(OnnxValue input, OnnxValue output, global::Onnx.TensorProto.Types.DataType target) : OnnxKernel
{
    public override void Run(OnnxWorkspace workspace, int rows)
    {
        var count = (int)output.Shape.Count(rows);
        var source = workspace.Buffers[input.Slot];
        var destination = workspace.Buffers[output.Slot];
        for (var i = 0; i < count; i++)
        {
            var value = source switch
            {
                float[] f => f[i],
                double[] d => d[i],
                long[] l => l[i],
                bool[] b => b[i] ? 1.0 : 0.0,
                _ => 0.0,
            };
            switch (destination)
            {
                case float[] f:
                    f[i] = source is long[] ls ? ls[i] : (float)value;
                    break;
                case double[] d:
                    d[i] = source is long[] ld ? ld[i] : value;
                    break;
                case bool[] b:
                    b[i] = source is long[] lb ? lb[i] != 0 : value != 0;
                    break;
                case long[] l:
                    l[i] = Narrow(source is long[] ll ? ll[i] : double.IsNaN(value) ? 0 : (long)Math.Truncate(value));
                    break;
            }
        }
    }

    private long Narrow(long value) => target switch
    {
        global::Onnx.TensorProto.Types.DataType.Int32 => (int)value,
        global::Onnx.TensorProto.Types.DataType.Int16 => (short)value,
        global::Onnx.TensorProto.Types.DataType.Int8 => (sbyte)value,
        global::Onnx.TensorProto.Types.DataType.Uint8 => (byte)value,
        global::Onnx.TensorProto.Types.DataType.Uint16 => (ushort)value,
        global::Onnx.TensorProto.Types.DataType.Uint32 => (uint)value,
        _ => value,
    };
}

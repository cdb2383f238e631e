using System.Numerics;

namespace FunctionsMl.Engine.Interop.Onnx.Kernels;

/// <summary>
/// Gemm: Y = alpha · A' · B' + beta · C with A' = A or Aᵀ, B' = B or Bᵀ (2-D), C broadcast to [M, N].
/// MatMul is the case alpha = 1 without C. Products are accumulated in double.
/// </summary>
internal sealed class GemmKernel<T>(OnnxValue a, OnnxValue b, OnnxValue? c, OnnxValue output, bool transA, bool transB, double alpha, double beta, Dim mDim, int n, int k, Broadcast? cBroadcast) : OnnxKernel
    where T : IFloatingPointIeee754<T>
{
    public override void Run(OnnxWorkspace workspace, int rows)
    {
        var x = workspace.Get<T>(a);
        var w = workspace.Get<T>(b);
        var y = workspace.Get<T>(output);
        var m = (int)mDim.At(rows);
        for (var i = 0; i < m; i++)
        {
            for (var j = 0; j < n; j++)
            {
                double sum = 0;
                for (var p = 0; p < k; p++)
                {
                    var left = transA ? x[(p * m) + i] : x[(i * k) + p];
                    var right = transB ? w[(j * k) + p] : w[(p * n) + j];
                    sum += double.CreateTruncating(left) * double.CreateTruncating(right);
                }

                y[(i * n) + j] = T.CreateTruncating(alpha * sum);
            }
        }

        if (c is null || cBroadcast is null)
        {
            return;
        }

        var bias = workspace.Get<T>(c);
        Span<int> dims = stackalloc int[2];
        Span<int> unused = stackalloc int[2];
        Span<int> strides = stackalloc int[2];
        cBroadcast.Resolve(rows, dims, unused, strides, default);
        for (var i = 0; i < m; i++)
        {
            for (var j = 0; j < n; j++)
            {
                var value = double.CreateTruncating(bias[(i * strides[0]) + (j * strides[1])]);
                y[(i * n) + j] = T.CreateTruncating(double.CreateTruncating(y[(i * n) + j]) + (beta * value));
            }
        }
    }
}

/// <summary>Softmax or LogSoftmax over one axis, max-subtracted (the axis spans <c>length</c> elements <c>inner</c> apart).</summary>
internal sealed class SoftmaxKernel<T>(OnnxValue input, OnnxValue output, int axis, bool flattenFromAxis, bool log) : OnnxKernel
    where T : IFloatingPointIeee754<T>
{
    public override void Run(OnnxWorkspace workspace, int rows)
    {
        var (outer, length, inner) = AxisLayout.Of(input.Shape, axis, rows, flattenFromAxis);
        var x = workspace.Get<T>(input);
        var y = workspace.Get<T>(output);
        for (var o = 0; o < outer; o++)
        {
            for (var j = 0; j < inner; j++)
            {
                var start = (o * length * inner) + j;
                var max = double.NegativeInfinity;
                for (var i = 0; i < length; i++)
                {
                    max = Math.Max(max, double.CreateTruncating(x[start + (i * inner)]));
                }

                double sum = 0;
                for (var i = 0; i < length; i++)
                {
                    sum += Math.Exp(double.CreateTruncating(x[start + (i * inner)]) - max);
                }

                for (var i = 0; i < length; i++)
                {
                    var shifted = double.CreateTruncating(x[start + (i * inner)]) - max;
                    y[start + (i * inner)] = T.CreateTruncating(log ? shifted - Math.Log(sum) : Math.Exp(shifted) / sum);
                }
            }
        }
    }
}

/// <summary>ArgMax / ArgMin over one axis; ties go to the first index unless select_last_index.</summary>
internal sealed class ArgKernel<T>(OnnxValue input, OnnxValue output, int axis, bool max, bool last) : OnnxKernel
    where T : INumber<T>
{
    public override void Run(OnnxWorkspace workspace, int rows)
    {
        var (outer, length, inner) = AxisLayout.Of(input.Shape, axis, rows, false);
        var x = workspace.Get<T>(input);
        var y = workspace.Get<long>(output);
        for (var o = 0; o < outer; o++)
        {
            for (var j = 0; j < inner; j++)
            {
                var start = (o * length * inner) + j;
                var best = 0;
                for (var i = 1; i < length; i++)
                {
                    var value = x[start + (i * inner)];
                    var current = x[start + (best * inner)];
                    var better = max ? value > current : value < current;
                    if (better || (last && value == current))
                    {
                        best = i;
                    }
                }

                y[(o * inner) + j] = best;
            }
        }
    }
}

/// <summary>ReduceSum / Mean / Max / Min / Prod / SumSquare / L1 / L2 over a set of axes (kept or dropped alike in memory).</summary>
internal sealed class ReduceKernel<T>(OnnxValue input, OnnxValue output, bool[] reduced, ReduceKind kind) : OnnxKernel
    where T : INumber<T>
{
    public override void Run(OnnxWorkspace workspace, int rows)
    {
        var rank = input.Shape.Rank;
        Span<int> dims = stackalloc int[Math.Max(rank, 1)];
        Span<int> outStrides = stackalloc int[Math.Max(rank, 1)];
        Span<int> index = stackalloc int[Math.Max(rank, 1)];
        var stride = 1;
        for (var d = rank - 1; d >= 0; d--)
        {
            dims[d] = (int)input.Shape[d].At(rows);
            outStrides[d] = reduced[d] ? 0 : stride;
            stride *= reduced[d] ? 1 : dims[d];
        }

        var x = workspace.Get<T>(input);
        var y = workspace.Get<T>(output);
        var outCount = (int)output.Shape.Count(rows);
        var inCount = (int)input.Shape.Count(rows);
        Span<double> accumulators = outCount <= 1024 ? stackalloc double[outCount] : new double[outCount];
        accumulators.Fill(kind switch
        {
            ReduceKind.Max => double.NegativeInfinity,
            ReduceKind.Min => double.PositiveInfinity,
            ReduceKind.Prod => 1,
            _ => 0,
        });
        var target = 0;
        for (var k = 0; k < inCount; k++)
        {
            var v = double.CreateTruncating(x[k]);
            ref var acc = ref accumulators[target];
            acc = kind switch
            {
                ReduceKind.Max => double.IsNaN(v) || double.IsNaN(acc) ? double.NaN : Math.Max(acc, v),
                ReduceKind.Min => double.IsNaN(v) || double.IsNaN(acc) ? double.NaN : Math.Min(acc, v),
                ReduceKind.Prod => acc * v,
                ReduceKind.SumSquare or ReduceKind.L2 => acc + (v * v),
                ReduceKind.L1 => acc + Math.Abs(v),
                _ => acc + v,
            };
            for (var d = rank - 1; d >= 0; d--)
            {
                target += outStrides[d];
                if (++index[d] < dims[d])
                {
                    break;
                }

                target -= outStrides[d] * dims[d];
                index[d] = 0;
            }
        }

        var n = outCount == 0 ? 1 : inCount / Math.Max(outCount, 1);
        for (var i = 0; i < outCount; i++)
        {
            y[i] = T.CreateTruncating(kind switch
            {
                ReduceKind.Mean => accumulators[i] / n,
                ReduceKind.L2 => Math.Sqrt(accumulators[i]),
                _ => accumulators[i],
            });
        }
    }
}

internal enum ReduceKind
{
    Sum,
    Mean,
    Max,
    Min,
    Prod,
    SumSquare,
    L1,
    L2,
}

/// <summary>A tensor seen as [outer, length, inner] around one axis.</summary>
internal static class AxisLayout
{
    /// <param name="flattenFromAxis">Opset &lt; 13 Softmax: every axis from <paramref name="axis"/> on is one axis.</param>
    public static (int Outer, int Length, int Inner) Of(TensorShape shape, int axis, int rows, bool flattenFromAxis)
    {
        int outer = 1, length = 1, inner = 1;
        for (var d = 0; d < shape.Rank; d++)
        {
            var size = (int)shape[d].At(rows);
            if (d < axis)
            {
                outer *= size;
            }
            else if (d == axis || flattenFromAxis)
            {
                length *= size;
            }
            else
            {
                inner *= size;
            }
        }

        return (outer, length, inner);
    }
}

namespace FunctionsMl.Engine.Interop.Onnx.Kernels;

/// <summary>y = op(x) element by element.</summary>
internal sealed class UnaryKernel<T, TOp>(OnnxValue input, OnnxValue output) : OnnxKernel
    where TOp : struct, IUnaryOp<T>
{
    public override void Run(OnnxWorkspace workspace, int rows)
    {
        var x = workspace.Get<T>(input);
        var y = workspace.Get<T>(output);
        var count = (int)output.Shape.Count(rows);
        for (var i = 0; i < count; i++)
        {
            y[i] = TOp.Apply(x[i]);
        }
    }
}

/// <summary>c = op(a, b) with broadcasting; the common shapes (same shape, scalar operand) take straight loops.</summary>
internal sealed class BinaryKernel<T, TResult, TOp>(OnnxValue a, OnnxValue b, OnnxValue output, Broadcast broadcast) : OnnxKernel
    where TOp : struct, IBinaryOp<T, TResult>
{
    private readonly bool _aFull = broadcast.IsFull(0);
    private readonly bool _bFull = broadcast.IsFull(1);
    private readonly bool _bScalar = b.Shape.FixedCount == 1 && !b.Shape.PerRow;

    public override void Run(OnnxWorkspace workspace, int rows)
    {
        var x = workspace.Get<T>(a);
        var y = workspace.Get<T>(b);
        var z = workspace.Get<TResult>(output);
        var count = (int)output.Shape.Count(rows);
        if (_aFull && _bFull)
        {
            for (var i = 0; i < count; i++)
            {
                z[i] = TOp.Apply(x[i], y[i]);
            }

            return;
        }

        if (_aFull && _bScalar)
        {
            var scalar = y[0];
            for (var i = 0; i < count; i++)
            {
                z[i] = TOp.Apply(x[i], scalar);
            }

            return;
        }

        var rank = broadcast.Rank;
        Span<int> dims = stackalloc int[rank];
        Span<int> sa = stackalloc int[rank];
        Span<int> sb = stackalloc int[rank];
        Span<int> index = stackalloc int[rank];
        broadcast.Resolve(rows, dims, sa, sb, default);
        int ia = 0, ib = 0;
        for (var k = 0; k < count; k++)
        {
            z[k] = TOp.Apply(x[ia], y[ib]);
            for (var d = rank - 1; d >= 0; d--)
            {
                ia += sa[d];
                ib += sb[d];
                if (++index[d] < dims[d])
                {
                    break;
                }

                ia -= sa[d] * dims[d];
                ib -= sb[d] * dims[d];
                index[d] = 0;
            }
        }
    }
}

/// <summary>Where(condition, x, y) with broadcasting of all three.</summary>
internal sealed class WhereKernel<T>(OnnxValue condition, OnnxValue a, OnnxValue b, OnnxValue output, Broadcast broadcast) : OnnxKernel
{
    public override void Run(OnnxWorkspace workspace, int rows)
    {
        var c = workspace.Get<bool>(condition);
        var x = workspace.Get<T>(a);
        var y = workspace.Get<T>(b);
        var z = workspace.Get<T>(output);
        var count = (int)output.Shape.Count(rows);
        var rank = broadcast.Rank;
        Span<int> dims = stackalloc int[rank];
        Span<int> sc = stackalloc int[rank];
        Span<int> sa = stackalloc int[rank];
        Span<int> sb = stackalloc int[rank];
        Span<int> index = stackalloc int[rank];
        broadcast.Resolve(rows, dims, sc, sa, sb);
        int ic = 0, ia = 0, ib = 0;
        for (var k = 0; k < count; k++)
        {
            z[k] = c[ic] ? x[ia] : y[ib];
            for (var d = rank - 1; d >= 0; d--)
            {
                ic += sc[d];
                ia += sa[d];
                ib += sb[d];
                if (++index[d] < dims[d])
                {
                    break;
                }

                ic -= sc[d] * dims[d];
                ia -= sa[d] * dims[d];
                ib -= sb[d] * dims[d];
                index[d] = 0;
            }
        }
    }
}

/// <summary>IsNaN: true where x is NaN.</summary>
internal sealed class IsNaNKernel<T>(OnnxValue input, OnnxValue output) : OnnxKernel
    where T : System.Numerics.IFloatingPointIeee754<T>
{
    public override void Run(OnnxWorkspace workspace, int rows)
    {
        var x = workspace.Get<T>(input);
        var y = workspace.Get<bool>(output);
        var count = (int)output.Shape.Count(rows);
        for (var i = 0; i < count; i++)
        {
            y[i] = T.IsNaN(x[i]);
        }
    }
}

/// <summary>Clip(x, min, max): bounds from attributes (opset &lt; 11) or from scalar inputs read at run time.</summary>
internal sealed class ClipKernel<T>(OnnxValue input, OnnxValue output, OnnxValue? min, OnnxValue? max, T fixedMin, T fixedMax) : OnnxKernel
    where T : System.Numerics.INumber<T>
{
    public override void Run(OnnxWorkspace workspace, int rows)
    {
        var x = workspace.Get<T>(input);
        var y = workspace.Get<T>(output);
        var low = min is null ? fixedMin : workspace.Get<T>(min)[0];
        var high = max is null ? fixedMax : workspace.Get<T>(max)[0];
        var count = (int)output.Shape.Count(rows);
        for (var i = 0; i < count; i++)
        {
            var v = x[i];
            y[i] = v < low ? low : v > high ? high : v;
        }
    }
}

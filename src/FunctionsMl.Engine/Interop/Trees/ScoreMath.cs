namespace FunctionsMl.Engine.Interop.Trees;

/// <summary>The score transforms shared by the importers, in the numerically careful forms the ONNX spec's reference uses.</summary>
internal static class ScoreMath
{
    /// <summary>1 / (1 + e^-x) without overflow for large |x|.</summary>
    public static double Sigmoid(double x)
    {
        var v = 1.0 / (1.0 + Math.Exp(-Math.Abs(x)));
        return x < 0 ? 1.0 - v : v;
    }

    /// <summary>Softmax over the span in place, max-subtracted.</summary>
    public static void Softmax(Span<double> values)
    {
        if (values.IsEmpty)
        {
            return;
        }

        var max = double.NegativeInfinity;
        foreach (var value in values)
        {
            max = Math.Max(max, value);
        }

        double sum = 0;
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = Math.Exp(values[i] - max);
            sum += values[i];
        }

        for (var i = 0; i < values.Length; i++)
        {
            values[i] /= sum;
        }
    }

    /// <summary>ONNX SOFTMAX_ZERO: entries with |v| ≤ 1e-7 are scaled by e^-max instead of exponentiated.</summary>
    public static void SoftmaxZero(Span<double> values)
    {
        if (values.IsEmpty)
        {
            return;
        }

        var max = double.NegativeInfinity;
        foreach (var value in values)
        {
            max = Math.Max(max, value);
        }

        var expNegMax = Math.Exp(-max);
        double sum = 0;
        for (var i = 0; i < values.Length; i++)
        {
            var v = values[i];
            values[i] = v is > 0.0000001 or < -0.0000001 ? Math.Exp(v - max) : v * expNegMax;
            sum += values[i];
        }

        for (var i = 0; i < values.Length; i++)
        {
            values[i] = sum == 0 ? 0.5 : values[i] / sum;
        }
    }

    /// <summary>ONNX PROBIT: √2 · erfinv(2p − 1) with Winitzki's approximation (a = 0.147), as the reference and ORT compute it.</summary>
    public static double Probit(double p) => 1.41421356 * ErfInv((p * 2) - 1);

    private static double ErfInv(double x)
    {
        var sign = x < 0 ? -1.0 : 1.0;
        x = (1.0 - x) * (1.0 + x);
        if (x == 0)
        {
            return 0;
        }

        var log = Math.Log(x);
        var v = (2.0 / (Math.PI * 0.147)) + (0.5 * log);
        var v2 = 1.0 / 0.147 * log;
        var v3 = -v + Math.Sqrt((v * v) - v2);
        return sign * Math.Sqrt(v3);
    }
}

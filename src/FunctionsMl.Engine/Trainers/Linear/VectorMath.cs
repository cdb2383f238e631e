using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace FunctionsMl.Engine.Trainers.Linear;

/// <summary>
/// Dot products and updates between float feature rows and double parameters. Features stay float to halve
/// memory traffic; everything is accumulated in double so the solver can reach tight tolerances.
/// </summary>
internal static class VectorMath
{
    /// <summary>Σ x[i]·w[i], accumulated in double.</summary>
    public static double Dot(ReadOnlySpan<float> x, ReadOnlySpan<double> w)
    {
        var n = x.Length;
        ref var xs = ref MemoryMarshal.GetReference(x);
        ref var ws = ref MemoryMarshal.GetReference(w);
        var sum = 0.0;
        var i = 0;
        if (Vector.IsHardwareAccelerated && n >= Vector<float>.Count)
        {
            var low = Vector<double>.Zero;
            var high = Vector<double>.Zero;
            for (; i <= n - Vector<float>.Count; i += Vector<float>.Count)
            {
                Vector.Widen(Vector.LoadUnsafe(ref xs, (nuint)i), out var xLow, out var xHigh);
                low += xLow * Vector.LoadUnsafe(ref ws, (nuint)i);
                high += xHigh * Vector.LoadUnsafe(ref ws, (nuint)(i + Vector<double>.Count));
            }

            sum = Vector.Sum(low + high);
        }

        for (; i < n; i++)
        {
            sum += Unsafe.Add(ref xs, i) * Unsafe.Add(ref ws, i);
        }

        return sum;
    }

    /// <summary>Like <see cref="Dot(ReadOnlySpan{float}, ReadOnlySpan{double})"/>, but a NaN feature counts as 0.</summary>
    public static double DotIgnoringNaN(ReadOnlySpan<float> x, ReadOnlySpan<double> w)
    {
        var n = x.Length;
        ref var xs = ref MemoryMarshal.GetReference(x);
        ref var ws = ref MemoryMarshal.GetReference(w);
        var sum = 0.0;
        var i = 0;
        if (Vector.IsHardwareAccelerated && n >= Vector<float>.Count)
        {
            var low = Vector<double>.Zero;
            var high = Vector<double>.Zero;
            for (; i <= n - Vector<float>.Count; i += Vector<float>.Count)
            {
                var values = Vector.LoadUnsafe(ref xs, (nuint)i);
                values = Vector.ConditionalSelect(Vector.Equals(values, values), values, Vector<float>.Zero);
                Vector.Widen(values, out var xLow, out var xHigh);
                low += xLow * Vector.LoadUnsafe(ref ws, (nuint)i);
                high += xHigh * Vector.LoadUnsafe(ref ws, (nuint)(i + Vector<double>.Count));
            }

            sum = Vector.Sum(low + high);
        }

        for (; i < n; i++)
        {
            var value = Unsafe.Add(ref xs, i);
            if (!float.IsNaN(value))
            {
                sum += value * Unsafe.Add(ref ws, i);
            }
        }

        return sum;
    }

    /// <summary>y[i] += a·x[i].</summary>
    public static void AddScaled(double a, ReadOnlySpan<float> x, Span<double> y)
    {
        var n = x.Length;
        if (y.Length < n)
        {
            throw new ArgumentException("Target is shorter than the source.", nameof(y));
        }

        ref var xs = ref MemoryMarshal.GetReference(x);
        ref var ys = ref MemoryMarshal.GetReference(y);
        var i = 0;
        if (Vector.IsHardwareAccelerated && n >= Vector<float>.Count)
        {
            var scale = new Vector<double>(a);
            for (; i <= n - Vector<float>.Count; i += Vector<float>.Count)
            {
                Vector.Widen(Vector.LoadUnsafe(ref xs, (nuint)i), out var xLow, out var xHigh);
                var lowAt = (nuint)i;
                var highAt = (nuint)(i + Vector<double>.Count);
                (Vector.LoadUnsafe(ref ys, lowAt) + (scale * xLow)).StoreUnsafe(ref ys, lowAt);
                (Vector.LoadUnsafe(ref ys, highAt) + (scale * xHigh)).StoreUnsafe(ref ys, highAt);
            }
        }

        for (; i < n; i++)
        {
            Unsafe.Add(ref ys, i) += a * Unsafe.Add(ref xs, i);
        }
    }

    /// <summary>y[i] += a·x[i] over doubles.</summary>
    public static void AddScaled(double a, ReadOnlySpan<double> x, Span<double> y)
    {
        var n = x.Length;
        if (y.Length < n)
        {
            throw new ArgumentException("Target is shorter than the source.", nameof(y));
        }

        ref var xs = ref MemoryMarshal.GetReference(x);
        ref var ys = ref MemoryMarshal.GetReference(y);
        var i = 0;
        if (Vector.IsHardwareAccelerated && n >= Vector<double>.Count)
        {
            var scale = new Vector<double>(a);
            for (; i <= n - Vector<double>.Count; i += Vector<double>.Count)
            {
                (Vector.LoadUnsafe(ref ys, (nuint)i) + (scale * Vector.LoadUnsafe(ref xs, (nuint)i))).StoreUnsafe(ref ys, (nuint)i);
            }
        }

        for (; i < n; i++)
        {
            Unsafe.Add(ref ys, i) += a * Unsafe.Add(ref xs, i);
        }
    }

    /// <summary>Σ x[i]·y[i] over doubles.</summary>
    public static double Dot(ReadOnlySpan<double> x, ReadOnlySpan<double> y)
    {
        var n = x.Length;
        if (y.Length < n)
        {
            throw new ArgumentException("Second operand is shorter than the first.", nameof(y));
        }

        ref var xs = ref MemoryMarshal.GetReference(x);
        ref var ys = ref MemoryMarshal.GetReference(y);
        var sum = 0.0;
        var i = 0;
        if (Vector.IsHardwareAccelerated && n >= Vector<double>.Count)
        {
            var acc = Vector<double>.Zero;
            for (; i <= n - Vector<double>.Count; i += Vector<double>.Count)
            {
                acc += Vector.LoadUnsafe(ref xs, (nuint)i) * Vector.LoadUnsafe(ref ys, (nuint)i);
            }

            sum = Vector.Sum(acc);
        }

        for (; i < n; i++)
        {
            sum += Unsafe.Add(ref xs, i) * Unsafe.Add(ref ys, i);
        }

        return sum;
    }

    public static double Norm(ReadOnlySpan<double> x) => Math.Sqrt(Dot(x, x));
}

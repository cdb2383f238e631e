using System.Numerics;

namespace FunctionsMl.Engine.Interop.Onnx.Kernels;

internal interface IUnaryOp<T>
{
    static abstract T Apply(T x);
}

internal interface IBinaryOp<T, TResult>
{
    static abstract TResult Apply(T a, T b);
}

internal readonly struct ExpOp<T> : IUnaryOp<T> where T : IFloatingPointIeee754<T>
{
    public static T Apply(T x) => T.Exp(x);
}

internal readonly struct LogOp<T> : IUnaryOp<T> where T : IFloatingPointIeee754<T>
{
    public static T Apply(T x) => T.Log(x);
}

internal readonly struct SqrtOp<T> : IUnaryOp<T> where T : IFloatingPointIeee754<T>
{
    public static T Apply(T x) => T.Sqrt(x);
}

internal readonly struct TanhOp<T> : IUnaryOp<T> where T : IFloatingPointIeee754<T>
{
    public static T Apply(T x) => T.Tanh(x);
}

internal readonly struct ReciprocalOp<T> : IUnaryOp<T> where T : IFloatingPointIeee754<T>
{
    public static T Apply(T x) => T.One / x;
}

internal readonly struct FloorOp<T> : IUnaryOp<T> where T : IFloatingPointIeee754<T>
{
    public static T Apply(T x) => T.Floor(x);
}

internal readonly struct CeilOp<T> : IUnaryOp<T> where T : IFloatingPointIeee754<T>
{
    public static T Apply(T x) => T.Ceiling(x);
}

/// <summary>1 / (1 + e^-x) in the overflow-safe form.</summary>
internal readonly struct SigmoidOp<T> : IUnaryOp<T> where T : IFloatingPointIeee754<T>
{
    public static T Apply(T x)
    {
        var v = T.One / (T.One + T.Exp(-T.Abs(x)));
        return x < T.Zero ? T.One - v : v;
    }
}

internal readonly struct AbsOp<T> : IUnaryOp<T> where T : INumber<T>
{
    public static T Apply(T x) => T.Abs(x);
}

internal readonly struct NegOp<T> : IUnaryOp<T> where T : INumber<T>
{
    public static T Apply(T x) => -x;
}

internal readonly struct ReluOp<T> : IUnaryOp<T> where T : INumber<T>
{
    public static T Apply(T x) => x > T.Zero || T.IsNaN(x) ? x : T.Zero;
}

internal readonly struct NotOp : IUnaryOp<bool>
{
    public static bool Apply(bool x) => !x;
}

internal readonly struct AddOp<T> : IBinaryOp<T, T> where T : INumber<T>
{
    public static T Apply(T a, T b) => a + b;
}

internal readonly struct SubOp<T> : IBinaryOp<T, T> where T : INumber<T>
{
    public static T Apply(T a, T b) => a - b;
}

internal readonly struct MulOp<T> : IBinaryOp<T, T> where T : INumber<T>
{
    public static T Apply(T a, T b) => a * b;
}

/// <summary>Division; integer division truncates toward zero, and an integer divided by zero gives 0 rather than failing at prediction.</summary>
internal readonly struct DivOp<T> : IBinaryOp<T, T> where T : INumber<T>
{
    public static T Apply(T a, T b) => typeof(T) == typeof(long) && b == T.Zero ? T.Zero : a / b;
}

internal readonly struct PowOp<T> : IBinaryOp<T, T> where T : IFloatingPointIeee754<T>
{
    public static T Apply(T a, T b) => T.Pow(a, b);
}

internal readonly struct GreaterOp<T> : IBinaryOp<T, bool> where T : INumber<T>
{
    public static bool Apply(T a, T b) => a > b;
}

internal readonly struct LessOp<T> : IBinaryOp<T, bool> where T : INumber<T>
{
    public static bool Apply(T a, T b) => a < b;
}

internal readonly struct GreaterOrEqualOp<T> : IBinaryOp<T, bool> where T : INumber<T>
{
    public static bool Apply(T a, T b) => a >= b;
}

internal readonly struct LessOrEqualOp<T> : IBinaryOp<T, bool> where T : INumber<T>
{
    public static bool Apply(T a, T b) => a <= b;
}

internal readonly struct EqualOp<T> : IBinaryOp<T, bool> where T : IEquatable<T>
{
    public static bool Apply(T a, T b) => a.Equals(b) && !(a is double d && double.IsNaN(d)) && !(a is float f && float.IsNaN(f));
}

internal readonly struct AndOp : IBinaryOp<bool, bool>
{
    public static bool Apply(bool a, bool b) => a & b;
}

internal readonly struct OrOp : IBinaryOp<bool, bool>
{
    public static bool Apply(bool a, bool b) => a | b;
}

internal readonly struct XorOp : IBinaryOp<bool, bool>
{
    public static bool Apply(bool a, bool b) => a ^ b;
}

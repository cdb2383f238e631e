namespace FunctionsMl.Engine.Interop.Onnx;

/// <summary>A value of the compiled graph: its type and shape known at load, a buffer slot, and its data when constant.</summary>
internal sealed class OnnxValue(string name, OnnxElementType type, TensorShape shape, int slot, Array? constant = null)
{
    public string Name { get; } = name;

    public OnnxElementType Type { get; } = type;

    public TensorShape Shape { get; } = shape;

    /// <summary>Index of the value's buffer in a workspace.</summary>
    public int Slot { get; } = slot;

    /// <summary>The data of an initializer or a Constant node's output; null for values computed per request.</summary>
    public Array? Constant { get; } = constant;

    public bool IsConstant => Constant is not null;

    /// <summary>For ZipMap outputs: the map keys, one per column (labels as text).</summary>
    public IReadOnlyList<string>? MapKeys { get; init; }

    public T[] ConstantAs<T>() => (T[])Constant!;
}

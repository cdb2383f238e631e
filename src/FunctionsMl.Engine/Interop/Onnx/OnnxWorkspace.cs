namespace FunctionsMl.Engine.Interop.Onnx;

/// <summary>
/// One buffer per value of a plan, sized for <see cref="Capacity"/> rows; constants share the plan's arrays.
/// Used by one thread at a time; the plan keeps a pool of them so prediction does not allocate.
/// </summary>
internal sealed class OnnxWorkspace
{
    public OnnxWorkspace(IReadOnlyList<OnnxValue> values, int capacity)
    {
        Capacity = capacity;
        Buffers = new Array[values.Count];
        foreach (var value in values)
        {
            Buffers[value.Slot] = value.Constant ?? OnnxElementTypes.NewArray(value.Type, value.Shape.Count(capacity));
        }
    }

    public int Capacity { get; }

    public Array[] Buffers { get; }

    public T[] Get<T>(OnnxValue value) => (T[])Buffers[value.Slot];

    public T[] Get<T>(int slot) => (T[])Buffers[slot];
}

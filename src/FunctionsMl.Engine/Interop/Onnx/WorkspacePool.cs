namespace FunctionsMl.Engine.Interop.Onnx;

/// <summary>
/// A lock-free pool of workspaces of one capacity: prediction rents one, runs, returns it, and allocates only when
/// more threads predict at once than the pool has ever held.
/// </summary>
internal sealed class WorkspacePool(IReadOnlyList<OnnxValue> values, int capacity)
{
    private readonly OnnxWorkspace?[] _slots = new OnnxWorkspace?[Math.Max(4, Environment.ProcessorCount * 2)];

    public int Capacity { get; } = capacity;

    public OnnxWorkspace Rent()
    {
        for (var i = 0; i < _slots.Length; i++)
        {
            if (Volatile.Read(ref _slots[i]) is not null && Interlocked.Exchange(ref _slots[i], null) is { } workspace)
            {
                return workspace;
            }
        }

        return new OnnxWorkspace(values, Capacity);
    }

    public void Return(OnnxWorkspace workspace)
    {
        for (var i = 0; i < _slots.Length; i++)
        {
            if (Interlocked.CompareExchange(ref _slots[i], workspace, null) is null)
            {
                return;
            }
        }
    }
}

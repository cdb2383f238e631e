namespace FunctionsMl.Engine.Interop.Onnx;

/// <summary>One compiled node: reads its input buffers, writes its output buffers, for a given row count.</summary>
internal abstract class OnnxKernel
{
    /// <summary>Runs the node over <paramref name="rows"/> rows (at most the workspace's capacity). Allocates nothing.</summary>
    public abstract void Run(OnnxWorkspace workspace, int rows);
}

namespace FunctionsMl.Engine.Interop.Onnx;

/// <summary>A compiled graph: every value with its slot, the graph's inputs and outputs, and the steps in order.</summary>
internal sealed class OnnxPlan(OnnxValue[] values, OnnxValue[] inputs, OnnxValue[] outputs, OnnxStep[] steps)
{
    public IReadOnlyList<OnnxValue> Values { get; } = values;

    public IReadOnlyList<OnnxValue> Inputs { get; } = inputs;

    public IReadOnlyList<OnnxValue> Outputs { get; } = outputs;

    public IReadOnlyList<OnnxStep> Steps { get; } = steps;

    public OnnxValue Output(string name) =>
        Outputs.FirstOrDefault(o => o.Name == name) ?? throw new ModelImportException($"The graph has no output '{name}'; its outputs are {string.Join(", ", Outputs.Select(o => o.Name))}.");

    /// <summary>Only the steps the given values depend on, in order: unused outputs (a string label, say) cost nothing.</summary>
    public OnnxKernel[] StepsFor(IEnumerable<OnnxValue> targets)
    {
        var needed = new HashSet<int>(targets.Select(t => t.Slot));
        var kept = new List<OnnxKernel>();
        for (var i = Steps.Count - 1; i >= 0; i--)
        {
            var step = Steps[i];
            if (step.OutputSlots.Any(needed.Contains))
            {
                kept.Add(step.Kernel);
                needed.UnionWith(step.InputSlots);
            }
        }

        kept.Reverse();
        return [.. kept];
    }
}

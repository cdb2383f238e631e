using Onnx;

namespace FunctionsMl.Engine.Interop.Onnx;

/// <summary>
/// Compiles an ONNX graph once, at load, into an <see cref="OnnxPlan"/>: nodes in topological order, each value's
/// type and shape inferred with the row count symbolic, constants folded, one kernel per node. Everything this
/// engine cannot run exactly — an operator, an attribute or attribute value, an opset, a type, a shape — is refused
/// here with a message naming it, so a model that loads never fails at prediction for those reasons.
/// </summary>
internal sealed class OnnxGraphCompiler
{
    /// <summary>Newest opsets whose semantics the kernels follow.</summary>
    public const int MaxCoreOpset = 22;

    public const int MaxMlOpset = 5;

    public const string MlDomain = "ai.onnx.ml";

    private readonly Dictionary<string, OnnxValue> _values = new(StringComparer.Ordinal);
    private readonly List<OnnxValue> _all = [];

    private OnnxGraphCompiler()
    {
    }

    /// <exception cref="ModelImportException">Anything in the graph this engine does not support; the message names it.</exception>
    public static OnnxPlan Compile(ModelProto model) => new OnnxGraphCompiler().Run(model);

    internal OnnxValue Declare(string name, OnnxElementType type, TensorShape shape, Array? constant, IReadOnlyList<string>? mapKeys, NodeContext? node)
    {
        if (_values.ContainsKey(name))
        {
            throw new ModelImportException($"{(node is null ? "graph" : node.Describe)}: value '{name}' is produced twice.");
        }

        var value = new OnnxValue(name, type, shape, _all.Count, constant) { MapKeys = mapKeys };
        _values.Add(name, value);
        _all.Add(value);
        return value;
    }

    private OnnxPlan Run(ModelProto model)
    {
        var graph = model.Graph ?? throw new ModelImportException("The ONNX model has no graph.");
        var opsets = ReadOpsets(model);
        if (graph.SparseInitializer.Count > 0)
        {
            throw new ModelImportException($"graph: sparse initializers ('{graph.SparseInitializer[0].Values?.Name}') are not supported.");
        }

        foreach (var initializer in graph.Initializer)
        {
            var data = TensorData.Read(initializer, $"initializer '{initializer.Name}'");
            Declare(initializer.Name, data.Type, new TensorShape([.. data.Dims.Select(Dim.Fixed)]), data.Data, null, null);
        }

        var inputs = new List<OnnxValue>();
        foreach (var input in graph.Input)
        {
            if (_values.ContainsKey(input.Name))
            {
                continue; // Old IR versions list initializers among the inputs.
            }

            var (type, shape) = InputType(input);
            inputs.Add(Declare(input.Name, type, shape, null, null, null));
        }

        if (inputs.Count == 0)
        {
            throw new ModelImportException("graph: the model has no inputs.");
        }

        var steps = new List<OnnxStep>();
        var order = TopologicalOrder(graph);
        foreach (var index in order)
        {
            var node = graph.Node[index];
            var domain = node.Domain is "ai.onnx" ? string.Empty : node.Domain;
            var describe = $"node {index} '{(node.Name.Length > 0 ? node.Name : string.Join(",", node.Output))}' ({(domain.Length == 0 ? string.Empty : domain + ".")}{node.OpType})";
            if (!opsets.TryGetValue(domain, out var opset))
            {
                throw new ModelImportException($"{describe}: the model imports no opset for domain '{domain}'.");
            }

            if (!OnnxOperators.TryGet(domain, node.OpType, out var factory))
            {
                throw new ModelImportException(
                    $"{describe}: operator {(domain.Length == 0 ? string.Empty : domain + ".")}{node.OpType} is not supported. " +
                    $"Supported operators: {string.Join(", ", OnnxOperators.Names)}.");
            }

            var nodeInputs = node.Input.Select(name => name.Length == 0
                ? null
                : _values.TryGetValue(name, out var value) ? value : throw new ModelImportException($"{describe}: input '{name}' is not produced by any node, initializer or graph input.")).ToArray();
            var context = new NodeContext(this, node, index, opset, nodeInputs);
            var kernel = factory(context);
            if (context.Attributes.Unused.FirstOrDefault() is { } unused)
            {
                throw context.Error($"attribute '{unused}' is not supported.");
            }

            for (var i = 0; i < node.Output.Count; i++)
            {
                if (node.Output[i].Length > 0 && context.Outputs[i] is null)
                {
                    throw context.Error($"output {i} '{node.Output[i]}' is not supported.");
                }
            }

            if (kernel is not null)
            {
                var step = new OnnxStep(kernel, [.. nodeInputs.Where(v => v is not null).Select(v => v!.Slot)], [.. context.Outputs.Where(v => v is not null).Select(v => v!.Slot)]);
                if (!TryFold(step, nodeInputs, context.Outputs))
                {
                    steps.Add(step);
                }
            }
        }

        var outputs = graph.Output.Select(o => _values.TryGetValue(o.Name, out var value)
            ? value
            : throw new ModelImportException($"graph output '{o.Name}' is not produced by any node.")).ToArray();
        return new OnnxPlan(_all.ToArray(), [.. inputs], outputs, [.. steps]);
    }

    /// <summary>Runs a node whose inputs are all constants once, at load, and keeps its outputs as constants.</summary>
    private bool TryFold(OnnxStep step, OnnxValue?[] inputs, OnnxValue?[] outputs)
    {
        if (inputs.Any(v => v is not null && !v.IsConstant) || inputs.All(v => v is null) || outputs.Any(v => v is not null && v.Shape.PerRow))
        {
            return false;
        }

        var workspace = new OnnxWorkspace(_all, 1);
        step.Kernel.Run(workspace, 1);
        foreach (var output in outputs)
        {
            if (output is not null)
            {
                var folded = new OnnxValue(output.Name, output.Type, output.Shape, output.Slot, workspace.Buffers[output.Slot]) { MapKeys = output.MapKeys };
                _all[output.Slot] = folded;
                _values[output.Name] = folded;
            }
        }

        return true;
    }

    private static Dictionary<string, int> ReadOpsets(ModelProto model)
    {
        var opsets = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var import in model.OpsetImport)
        {
            var domain = import.Domain is "ai.onnx" ? string.Empty : import.Domain;
            var version = (int)import.Version;
            var max = domain switch
            {
                "" => MaxCoreOpset,
                MlDomain => MaxMlOpset,
                _ => int.MaxValue,
            };
            if (version < 1 || version > max)
            {
                throw new ModelImportException($"opset_import: opset {version} of domain '{(domain.Length == 0 ? "ai.onnx" : domain)}' is not supported (this engine implements 1 to {max}).");
            }

            opsets[domain] = version;
        }

        if (model.OpsetImport.Count == 0)
        {
            opsets[string.Empty] = 1; // IR version 1 and 2 files have no opset_import: they mean opset 1.
        }

        return opsets;
    }

    private static (OnnxElementType Type, TensorShape Shape) InputType(ValueInfoProto input)
    {
        var where = $"graph input '{input.Name}'";
        if (input.Type?.TensorType is not { } tensor)
        {
            throw new ModelImportException($"{where}: only tensor inputs are supported (not {input.Type?.ValueCase.ToString() ?? "an untyped input"}).");
        }

        if (!OnnxElementTypes.TryFrom(tensor.ElemType, out var type) || type is OnnxElementType.String)
        {
            throw new ModelImportException($"{where}: input element type {OnnxElementTypes.Name(tensor.ElemType)} is not supported; inputs must be float, double, integer or boolean tensors.");
        }

        var dims = tensor.Shape?.Dim;
        if (dims is null || dims.Count is < 1 or > Kernels.Broadcast.MaxRank)
        {
            throw new ModelImportException($"{where}: the input must have shape [N] or [N, F, ...] (a row count, then fixed sizes); it has {(dims is null ? "no shape" : $"rank {dims.Count}")}.");
        }

        var first = dims[0];
        if (first.HasDimValue && first.DimValue != 1 && first.DimValue > 0)
        {
            throw new ModelImportException($"{where}: the first dimension must be the row count (symbolic, unset or 1), not {first.DimValue}.");
        }

        var shape = new List<Dim> { Dim.Rows() };
        foreach (var dim in dims.Skip(1))
        {
            if (!dim.HasDimValue || dim.DimValue < 1)
            {
                throw new ModelImportException($"{where}: every dimension after the row count must be a fixed size; one is '{(dim.HasDimParam ? dim.DimParam : "unset")}'.");
            }

            shape.Add(Dim.Fixed(dim.DimValue));
        }

        return (type, new TensorShape([.. shape]));
    }

    private static List<int> TopologicalOrder(GraphProto graph)
    {
        var producer = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < graph.Node.Count; i++)
        {
            foreach (var output in graph.Node[i].Output.Where(o => o.Length > 0))
            {
                if (!producer.TryAdd(output, i))
                {
                    throw new ModelImportException($"graph: value '{output}' is produced by two nodes.");
                }
            }
        }

        var state = new byte[graph.Node.Count];
        var order = new List<int>(graph.Node.Count);
        for (var i = 0; i < graph.Node.Count; i++)
        {
            Visit(i);
        }

        return order;

        void Visit(int root)
        {
            if (state[root] != 0)
            {
                return;
            }

            var stack = new Stack<(int Node, int Next)>();
            stack.Push((root, 0));
            state[root] = 1;
            while (stack.Count > 0)
            {
                var (node, next) = stack.Pop();
                var inputs = graph.Node[node].Input;
                if (next < inputs.Count)
                {
                    stack.Push((node, next + 1));
                    if (inputs[next].Length > 0 && producer.TryGetValue(inputs[next], out var dependency))
                    {
                        if (state[dependency] == 1)
                        {
                            throw new ModelImportException($"graph: the nodes form a cycle through value '{inputs[next]}'.");
                        }

                        if (state[dependency] == 0)
                        {
                            state[dependency] = 1;
                            stack.Push((dependency, 0));
                        }
                    }

                    continue;
                }

                state[node] = 2;
                order.Add(node);
            }
        }
    }
}

/// <summary>A compiled node: its kernel and the slots it reads and writes.</summary>
internal sealed record OnnxStep(OnnxKernel Kernel, int[] InputSlots, int[] OutputSlots);

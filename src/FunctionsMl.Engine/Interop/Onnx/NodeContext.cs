using Onnx;

namespace FunctionsMl.Engine.Interop.Onnx;

/// <summary>What an operator's factory sees of one node at load: its inputs (typed, shaped, maybe constant), its
/// attributes, the opset in force, and a way to declare its outputs.</summary>
internal sealed class NodeContext
{
    private readonly OnnxGraphCompiler _compiler;

    public NodeContext(OnnxGraphCompiler compiler, NodeProto node, int index, int opset, IReadOnlyList<OnnxValue?> inputs)
    {
        _compiler = compiler;
        Node = node;
        Opset = opset;
        Inputs = inputs;
        Describe = $"node {index} '{(node.Name.Length > 0 ? node.Name : string.Join(",", node.Output))}' ({(node.Domain is "" or "ai.onnx" ? string.Empty : node.Domain + ".")}{node.OpType})";
        Attributes = new NodeAttributes(node.Attribute, Error);
        Outputs = new OnnxValue?[node.Output.Count];
    }

    public NodeProto Node { get; }

    public string OpType => Node.OpType;

    /// <summary>The opset version imported for the node's domain.</summary>
    public int Opset { get; }

    public string Describe { get; }

    public NodeAttributes Attributes { get; }

    public IReadOnlyList<OnnxValue?> Inputs { get; }

    public OnnxValue?[] Outputs { get; }

    public int InputCount => Inputs.Count;

    public ModelImportException Error(string message) => new($"{Describe}: {message}");

    public OnnxValue Input(int index) =>
        OptionalInput(index) ?? throw Error($"input {index} is required.");

    public OnnxValue? OptionalInput(int index) => index < Inputs.Count ? Inputs[index] : null;

    /// <summary>The node's inputs must be between <paramref name="min"/> and <paramref name="max"/> in number.</summary>
    public void ExpectInputs(int min, int max)
    {
        if (Inputs.Count < min || Inputs.Count > max)
        {
            throw Error(min == max ? $"expects {min} input(s), has {Inputs.Count}." : $"expects {min} to {max} inputs, has {Inputs.Count}.");
        }
    }

    public OnnxValue InputOfType(int index, params OnnxElementType[] types)
    {
        var value = Input(index);
        return types.Contains(value.Type)
            ? value
            : throw Error($"input {index} '{value.Name}' is {value.Type}; supported are {string.Join(", ", types)}.");
    }

    /// <summary>A constant input's data, required at load (e.g. a Reshape shape).</summary>
    public TensorData ConstantInput(int index, string what)
    {
        var value = Input(index);
        return value.Constant is { } data
            ? new TensorData(value.Type, [.. value.Shape.Dims.Select(d => d.Size)], data, 0)
            : throw Error($"input {index} ({what}) must be a constant (an initializer or a Constant node) to compile the graph.");
    }

    /// <summary>Declares output <paramref name="index"/>; an output the node lists with an empty name is dropped.</summary>
    public OnnxValue? Output(int index, OnnxElementType type, TensorShape shape, Array? constant = null, IReadOnlyList<string>? mapKeys = null)
    {
        if (index >= Node.Output.Count || Node.Output[index].Length == 0)
        {
            return null;
        }

        var value = _compiler.Declare(Node.Output[index], type, shape, constant, mapKeys, this);
        Outputs[index] = value;
        return value;
    }
}

using Google.Protobuf;
using Onnx;

namespace FunctionsMl.Engine.Interop.Onnx;

/// <summary>A parsed and compiled ONNX model: its metadata and its execution plan.</summary>
internal sealed class OnnxModel
{
    /// <summary>The metadata key whose value (a JSON array or a comma-separated list) names the features of a single [N, F] input.</summary>
    public const string FeatureNamesKey = "feature_names";

    private OnnxModel(ModelProto proto, OnnxPlan plan)
    {
        Plan = plan;
        ProducerName = proto.ProducerName;
        ProducerVersion = proto.ProducerVersion;
        IrVersion = proto.IrVersion;
        Opsets = proto.OpsetImport.ToDictionary(o => o.Domain.Length == 0 ? "ai.onnx" : o.Domain, o => o.Version, StringComparer.Ordinal);
        Metadata = proto.MetadataProps.GroupBy(p => p.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Last().Value, StringComparer.Ordinal);
        Operators = [.. proto.Graph.Node.Select(n => n.Domain.Length == 0 || n.Domain == "ai.onnx" ? n.OpType : $"{n.Domain}.{n.OpType}").Distinct(StringComparer.Ordinal)];
        ClassifierLabels = ReadClassifierLabels(proto.Graph);
    }

    public OnnxPlan Plan { get; }

    public string ProducerName { get; }

    public string ProducerVersion { get; }

    public long IrVersion { get; }

    public IReadOnlyDictionary<string, long> Opsets { get; }

    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>The distinct operators the graph uses.</summary>
    public IReadOnlyList<string> Operators { get; }

    /// <summary>The class labels of each classifier node (TreeEnsembleClassifier, LinearClassifier, ZipMap), as text.</summary>
    public IReadOnlyList<IReadOnlyList<string>> ClassifierLabels { get; }

    public bool HasClassifier => ClassifierLabels.Count > 0;

    /// <exception cref="ModelImportException">Not an ONNX model, or one using what this engine does not implement (named).</exception>
    public static OnnxModel Load(ReadOnlyMemory<byte> bytes)
    {
        ModelProto proto;
        try
        {
            proto = ModelProto.Parser.ParseFrom(bytes.Span);
        }
        catch (InvalidProtocolBufferException ex)
        {
            throw new ModelImportException($"The file is not an ONNX model (protobuf ModelProto): {ex.Message}", ex);
        }

        if (proto.Graph is null || proto.Graph.Node.Count == 0)
        {
            throw new ModelImportException("The file is not an ONNX model: it has no graph nodes.");
        }

        if (proto.Functions.Count > 0)
        {
            throw new ModelImportException($"model-local functions ('{proto.Functions[0].Name}') are not supported.");
        }

        return new OnnxModel(proto, OnnxGraphCompiler.Compile(proto));
    }

    /// <summary>
    /// Runs the whole graph on <paramref name="rows"/> rows and returns every graph output (strings, labels and all),
    /// for tests and diagnostics. Inputs are float[], double[] or long[] arrays of the input's element type, row-major.
    /// </summary>
    public IReadOnlyDictionary<string, Array> Evaluate(IReadOnlyDictionary<string, Array> inputs, int rows)
    {
        var workspace = new OnnxWorkspace(Plan.Values, rows);
        foreach (var input in Plan.Inputs)
        {
            var given = inputs.TryGetValue(input.Name, out var data) ? data : throw new ArgumentException($"No data for input '{input.Name}'.", nameof(inputs));
            if (given.Length != input.Shape.Count(rows) || given.GetType() != workspace.Buffers[input.Slot].GetType())
            {
                throw new ArgumentException($"Input '{input.Name}' needs {input.Shape.Count(rows)} values of {input.Type}.", nameof(inputs));
            }

            Array.Copy(given, workspace.Buffers[input.Slot], given.Length);
        }

        foreach (var kernel in Plan.StepsFor(Plan.Outputs))
        {
            kernel.Run(workspace, rows);
        }

        var results = new Dictionary<string, Array>(StringComparer.Ordinal);
        foreach (var output in Plan.Outputs)
        {
            var buffer = workspace.Buffers[output.Slot];
            var copy = Array.CreateInstance(buffer.GetType().GetElementType()!, output.Shape.Count(rows));
            Array.Copy(buffer, copy, copy.Length);
            results[output.Name] = copy;
        }

        return results;
    }

    private static List<IReadOnlyList<string>> ReadClassifierLabels(GraphProto graph)
    {
        var labels = new List<IReadOnlyList<string>>();
        foreach (var node in graph.Node.Where(n => n.Domain == OnnxGraphCompiler.MlDomain && n.OpType is "TreeEnsembleClassifier" or "LinearClassifier" or "ZipMap"))
        {
            foreach (var attribute in node.Attribute)
            {
                if (attribute.Name is "classlabels_int64s" or "classlabels_ints" && attribute.Ints.Count > 0)
                {
                    labels.Add([.. attribute.Ints.Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture))]);
                }
                else if (attribute.Name == "classlabels_strings" && attribute.Strings.Count > 0)
                {
                    labels.Add([.. attribute.Strings.Select(TensorData.Utf8)]);
                }
            }
        }

        return labels;
    }
}

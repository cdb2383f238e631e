namespace FunctionsMl.Engine.Interop;

/// <summary>How to serve an external model where its file leaves a choice. Everything is optional.</summary>
public sealed record ExternalModelOptions
{
    /// <summary>The task; by default inferred (a classifier operator or objective makes a classifier).</summary>
    public ModelTask? Task { get; init; }

    /// <summary>ONNX only: the graph output to serve (probabilities or value); by default the ZipMap or score output of a classifier, or the first numeric output.</summary>
    public string? Output { get; init; }

    /// <summary>Class names in output order; by default the file's class labels, else "0", "1", ...</summary>
    public IReadOnlyList<string>? ClassLabels { get; init; }

    /// <summary>What the model predicts, for the manifest's <c>label</c>; default "label".</summary>
    public string? Label { get; init; }
}

namespace FunctionsMl.Engine.Interop.Onnx.Kernels;

/// <summary>A classifier's labels: <c>classlabels_int64s</c> (or <c>classlabels_ints</c>) or <c>classlabels_strings</c>, exactly one.</summary>
internal sealed class ClassLabels
{
    private ClassLabels(long[]? ints, string[]? strings)
    {
        Ints = ints;
        Strings = strings;
        Count = ints?.Length ?? strings!.Length;
    }

    public long[]? Ints { get; }

    public string[]? Strings { get; }

    public int Count { get; }

    public OnnxElementType Type => Ints is null ? OnnxElementType.String : OnnxElementType.Int64;

    /// <summary>The labels as text, for the served model's class names.</summary>
    public IReadOnlyList<string> AsText => Strings ?? [.. Ints!.Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture))];

    public static ClassLabels Read(NodeContext context, string intsName)
    {
        var ints = context.Attributes.Ints(intsName);
        var strings = context.Attributes.Strings("classlabels_strings");
        if ((ints is { Length: > 0 }) == (strings is { Length: > 0 }))
        {
            throw context.Error($"exactly one of {intsName} and classlabels_strings must be set.");
        }

        return ints is { Length: > 0 } ? new ClassLabels(ints, null) : new ClassLabels(null, strings);
    }

    public void Write(OnnxWorkspace workspace, OnnxValue? output, int row, int index)
    {
        if (output is null)
        {
            return;
        }

        if (Ints is not null)
        {
            workspace.Get<long>(output)[row] = Ints[index];
        }
        else
        {
            workspace.Get<string>(output)[row] = Strings![index];
        }
    }
}

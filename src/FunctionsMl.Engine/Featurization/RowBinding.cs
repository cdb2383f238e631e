namespace FunctionsMl.Engine.Featurization;

/// <summary>
/// Where each input of a <see cref="FeaturePipeline"/> is found among a reader's columns; made once per file by
/// <see cref="FeaturePipeline.Bind"/>.
/// </summary>
public sealed class RowBinding
{
    private readonly int[] _fieldIndexes;

    internal RowBinding(FeaturePipeline pipeline, int[] fieldIndexes)
    {
        Pipeline = pipeline;
        _fieldIndexes = fieldIndexes;
    }

    /// <summary>For each input, in order, the position of its column.</summary>
    public IReadOnlyList<int> FieldIndexes => _fieldIndexes;

    internal FeaturePipeline Pipeline { get; }

    internal int this[int input] => _fieldIndexes[input];
}

using FunctionsMl.Engine.Data;
using FunctionsMl.Engine.Featurization;

namespace FunctionsMl.Engine.Interop;

/// <summary>
/// The featurization of an external model: one numeric feature per input, passed through as is (NaN for missing),
/// fitted on no rows so nothing is learned or scaled.
/// </summary>
internal static class PassThroughPipeline
{
    public static FeaturePipeline For(IReadOnlyList<string> names)
    {
        var table = new DataTable(names.Select(name => DataColumn.Numeric(name, [])));
        return FeaturePipeline.Fit(table, [.. names.Select(name => new FeatureSpec(name, ColumnKind.Numeric))], new FeaturizerOptions { Standardize = false });
    }
}

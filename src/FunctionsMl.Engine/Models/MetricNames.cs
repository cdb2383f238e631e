namespace FunctionsMl.Engine.Models;

/// <summary>The metrics a definition's validation rule can name, and which way is better for each.</summary>
public static class MetricNames
{
    public const string Accuracy = "accuracy";
    public const string MacroF1 = "macroF1";
    public const string LogLoss = "logLoss";
    public const string Auc = "auc";
    public const string Rmse = "rmse";
    public const string Mae = "mae";
    public const string RSquared = "r2";

    private static readonly string[] Binary = [Accuracy, MacroF1, LogLoss, Auc];
    private static readonly string[] Multiclass = [Accuracy, MacroF1, LogLoss];
    private static readonly string[] Regression = [Rmse, Mae, RSquared];

    /// <summary>The metrics reported for a task, in display order.</summary>
    public static IReadOnlyList<string> For(ModelTask task) => task switch
    {
        ModelTask.Binary => Binary,
        ModelTask.Multiclass => Multiclass,
        _ => Regression,
    };

    /// <summary>The metric a definition is judged by when it names none.</summary>
    public static string DefaultFor(ModelTask task) => task == ModelTask.Regression ? Rmse : Accuracy;

    public static bool IsLowerBetter(string metric) => metric is LogLoss or Rmse or Mae;

    /// <summary>Maps a user-written name (any case) to its canonical spelling, or null when the task has no such metric.</summary>
    public static string? Canonical(ModelTask task, string name) =>
        For(task).FirstOrDefault(m => string.Equals(m, name, StringComparison.OrdinalIgnoreCase));
}

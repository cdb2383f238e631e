namespace FunctionsMl.Serving.Retraining;

/// <summary>
/// Where runs keep their records and intermediate files. Names and ids are validated before they get here.
/// <code>
/// runs/&lt;name&gt;/&lt;run id&gt;.json             the run record, updated as the run progresses
/// runs/&lt;name&gt;/lock.json                  the singleton lock: which run holds the model, until when
/// runs/&lt;name&gt;/&lt;run id&gt;/model.json       the definition the run uses (a copy, so it cannot change under the run)
/// runs/&lt;name&gt;/&lt;run id&gt;/candidate.fml    the staged candidate: never served, registered only if promoted
/// runs/&lt;name&gt;/&lt;run id&gt;/holdout.jsonl    the holdout rows candidate and champion are both scored on
/// runs/&lt;name&gt;/&lt;run id&gt;/holdout.columns.json  the holdout's column kinds
/// </code>
/// </summary>
public static class RunPaths
{
    public const string DefinitionFileName = Definitions.DefinitionPaths.DefinitionFileName;
    public const string CandidateFileName = "candidate.fml";
    public const string HoldoutFileName = "holdout.jsonl";
    public const string HoldoutColumnsFileName = "holdout.columns.json";

    public static string Runs(string model) => $"runs/{model}/";

    public static string Record(string model, string runId) => $"runs/{model}/{runId}.json";

    public static string Lock(string model) => $"runs/{model}/lock.json";

    public static string Staging(string model, string runId) => $"runs/{model}/{runId}/";

    public static string Staged(string model, string runId, string file) => $"runs/{model}/{runId}/{file}";
}

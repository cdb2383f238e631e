namespace FunctionsMl.Serving.Retraining;

/// <summary>The activities of a retraining run, in order; in Azure each is a function of the same name.</summary>
public static class RetrainingActivityNames
{
    public const string LoadDefinition = nameof(LoadDefinition);
    public const string SnapshotData = nameof(SnapshotData);
    public const string TrainCandidate = nameof(TrainCandidate);
    public const string EvaluateChampion = nameof(EvaluateChampion);
    public const string RegisterAndPromote = nameof(RegisterAndPromote);
    public const string KeepChampion = nameof(KeepChampion);
    public const string RecordRun = nameof(RecordRun);
}

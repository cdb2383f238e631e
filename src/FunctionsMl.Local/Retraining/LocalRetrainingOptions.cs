namespace FunctionsMl.Local.Retraining;

/// <summary>How the local host retrains, from its command line.</summary>
public sealed class LocalRetrainingOptions
{
    /// <summary>Whether models without a production version are trained when the host starts (<c>--no-train</c> turns it off).</summary>
    public bool TrainOnStart { get; init; } = true;

    /// <summary>How often the scheduler re-reads definitions, so a published schedule change takes effect without a restart.</summary>
    public TimeSpan DefinitionRefreshInterval { get; init; } = TimeSpan.FromMinutes(1);
}

namespace FunctionsMl.Serving.Scoring;

/// <summary>Defaults of <see cref="FileScoringOptions"/>.</summary>
public static class FileScoringDefaults
{
    public const int BlockRows = 4096;

    public static readonly TimeSpan LeaseDuration = TimeSpan.FromSeconds(30);
}

/// <summary>Settings of file scoring, bound from <c>FunctionsMl:Scoring</c>.</summary>
public sealed class FileScoringOptions
{
    public const string SectionName = "FunctionsMl:Scoring";

    /// <summary>Rows featurized and predicted together; memory per block is about rows × (row length + features).</summary>
    /// <value>Default 4096.</value>
    public int BlockRows { get; set; } = FileScoringDefaults.BlockRows;

    /// <summary>Threads that predict and format blocks while one more reads and featurizes; 0 means one per processor.</summary>
    /// <value>Default 0.</value>
    public int Workers { get; set; }

    /// <summary>
    /// How long a scorer's claim on a file lasts without renewal. A scorer renews it every third of this while it
    /// works, so it only matters when a scorer dies: another may take the file over this long after the last renewal.
    /// </summary>
    /// <value>Default 30 seconds.</value>
    public TimeSpan LeaseDuration { get; set; } = FileScoringDefaults.LeaseDuration;

    /// <summary>Whether an input is deleted from <c>incoming/</c> once its outputs are committed (or it was moved to <c>failed/</c>).</summary>
    /// <value>Default <see langword="true"/>: <c>incoming/</c> holds only work still to do.</value>
    public bool DeleteInput { get; set; } = true;

    /// <summary>The number of workers <see cref="Workers"/> stands for.</summary>
    internal int EffectiveWorkers => Workers > 0 ? Workers : Environment.ProcessorCount;

    /// <exception cref="ArgumentOutOfRangeException">An option is out of range; the message names it.</exception>
    public void Validate()
    {
        if (BlockRows is < 1 or > 1 << 20)
        {
            throw new ArgumentOutOfRangeException(nameof(BlockRows), BlockRows, $"{SectionName}:{nameof(BlockRows)} must be between 1 and {1 << 20}.");
        }

        if (Workers is < 0 or > 256)
        {
            throw new ArgumentOutOfRangeException(nameof(Workers), Workers, $"{SectionName}:{nameof(Workers)} must be between 0 (one per processor) and 256.");
        }

        if (LeaseDuration < TimeSpan.FromMilliseconds(300))
        {
            throw new ArgumentOutOfRangeException(nameof(LeaseDuration), LeaseDuration, $"{SectionName}:{nameof(LeaseDuration)} must be at least 300 ms.");
        }
    }
}

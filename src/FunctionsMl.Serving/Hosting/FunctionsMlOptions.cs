namespace FunctionsMl.Serving.Hosting;

/// <summary>Settings shared by both hosts, bound from the <c>FunctionsMl</c> configuration section.</summary>
public sealed class FunctionsMlOptions
{
    public const string SectionName = "FunctionsMl";

    /// <summary>Folder of the embedded file-system store.</summary>
    /// <value>Default <c>.functionsml</c> under the working directory.</value>
    public string StorePath { get; set; } = Storage.FileSystemObjectStoreDefaults.RootDirectory;

    /// <summary>Folder of model definitions (<c>&lt;name&gt;/model.json</c>) the local host deploys on start.</summary>
    /// <value>Default <c>models</c>.</value>
    public string ModelsPath { get; set; } = "models";

    /// <summary>Key expected in the <c>x-functions-key</c> header on management calls; null means the local host generates one on start and prints it.</summary>
    public string? ApiKey { get; set; }

    /// <summary>Whether prediction calls need the key too.</summary>
    /// <value>Default <see langword="false"/>.</value>
    public bool RequireKeyForPredictions { get; set; }

    /// <summary>Largest request body accepted, in bytes.</summary>
    /// <value>Default 4 MiB.</value>
    public long MaxRequestBodyBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>Most rows in one batch prediction request.</summary>
    /// <value>Default 10,000.</value>
    public int MaxBatchRows { get; set; } = 10_000;

    /// <summary>Whether prediction rows may carry fields the model does not use (they are then ignored).</summary>
    /// <value>Default <see langword="false"/>: an unknown field is a 400 naming it, which catches typos.</value>
    public bool AllowUnknownFields { get; set; }

    /// <summary>How many model versions stay loaded and how fast promotions by other processes are noticed.</summary>
    public Caching.PredictorCacheOptions Cache { get; set; } = new();
}

using FunctionsMl.Serving.Storage;

namespace FunctionsMl.Serving.Scoring;

/// <summary>
/// Where file scoring reads and writes (DESIGN.md §4): an input <c>incoming/&lt;model&gt;/&lt;path&gt;</c> is scored into
/// <c>scored/&lt;model&gt;/&lt;path&gt;</c> with sidecars beside it, or set aside in <c>failed/&lt;model&gt;/&lt;path&gt;</c>.
/// </summary>
/// <remarks>
/// Sidecars are named by suffix on the output path so that a listing of <c>scored/iris/</c> shows each file with its
/// companions: <c>.rejected.csv</c> (rows that could not be scored), <c>.summary.json</c> (the commit marker, written
/// last), <c>.lease.json</c> (present only while a scorer works on the file) and, under <c>failed/</c>,
/// <c>.error.json</c>.
/// </remarks>
public static class ScoringPaths
{
    public const string IncomingContainer = "incoming";
    public const string ScoredContainer = "scored";
    public const string FailedContainer = "failed";

    /// <summary>The prefix the local watcher lists and the Azure blob trigger binds: <c>incoming/</c>.</summary>
    public const string IncomingPrefix = IncomingContainer + "/";

    public const string RejectedSuffix = ".rejected.csv";
    public const string SummarySuffix = ".summary.json";
    public const string LeaseSuffix = ".lease.json";
    public const string ErrorSuffix = ".error.json";

    /// <summary>The scored file for an input.</summary>
    public static string Scored(string relativePath) => $"{ScoredContainer}/{relativePath}";

    public static string Rejected(string relativePath) => Scored(relativePath) + RejectedSuffix;

    public static string Summary(string relativePath) => Scored(relativePath) + SummarySuffix;

    public static string Lease(string relativePath) => Scored(relativePath) + LeaseSuffix;

    /// <summary>Where an unreadable input is moved.</summary>
    public static string Failed(string relativePath) => $"{FailedContainer}/{relativePath}";

    public static string Error(string relativePath) => Failed(relativePath) + ErrorSuffix;

    /// <summary>The incoming path of an input named relative to the container: <c>iris/batch.csv</c> → <c>incoming/iris/batch.csv</c>.</summary>
    public static string Incoming(string relativePath) => $"{IncomingContainer}/{relativePath}";
}

/// <summary>An input file named by its store path, taken apart.</summary>
/// <param name="Path">The full store path, <c>incoming/iris/2030/01/batch.csv</c>.</param>
/// <param name="RelativePath">The path under the container, <c>iris/2030/01/batch.csv</c>: the same under <c>scored/</c> and <c>failed/</c>.</param>
/// <param name="Model">The first segment under the container, <c>iris</c>; null when the file lies directly in <c>incoming/</c>.</param>
public sealed record IncomingFile(string Path, string RelativePath, string? Model)
{
    /// <exception cref="ArgumentException">Not a valid store path under <c>incoming/</c>.</exception>
    public static IncomingFile Parse(string path)
    {
        ObjectPath.Validate(path);
        if (!path.StartsWith(ScoringPaths.IncomingPrefix, StringComparison.Ordinal))
        {
            throw new ArgumentException($"'{path}' is not an input file: inputs are stored under '{ScoringPaths.IncomingPrefix}<model>/'.", nameof(path));
        }

        var relative = path[ScoringPaths.IncomingPrefix.Length..];
        var slash = relative.IndexOf('/', StringComparison.Ordinal);
        return new IncomingFile(path, relative, slash < 0 ? null : relative[..slash]);
    }
}

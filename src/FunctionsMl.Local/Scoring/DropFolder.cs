using System.Text;
using FunctionsMl.Serving.Scoring;
using FunctionsMl.Serving.Storage;

namespace FunctionsMl.Local.Scoring;

/// <summary>
/// A plain folder mirroring the scoring containers, for people and tools that work with files: a file copied to
/// <c>&lt;drop&gt;/incoming/&lt;model&gt;/&lt;file&gt;</c> is moved into the store's <c>incoming/</c>, and each outcome is
/// copied back out to <c>&lt;drop&gt;/scored/&lt;model&gt;/</c> or <c>&lt;drop&gt;/failed/&lt;model&gt;/</c>.
/// </summary>
/// <remarks>
/// The store keeps objects in its own file format (a header before the content), so files cannot be dropped into
/// its folder directly; this folder is the local equivalent of uploading a blob. A file is imported once it has not
/// been written to for <see cref="SettleTime"/> (a copy still in progress is left alone), and deleted from the drop
/// folder only after the store holds it. Names are mapped onto object-path rules: characters other than
/// <c>A-Z a-z 0-9 . _ -</c> become <c>_</c>.
/// </remarks>
internal sealed partial class DropFolder(string root, IObjectStore store, ILogger logger)
{
    public static readonly TimeSpan SettleTime = TimeSpan.FromSeconds(1);

    public string Root { get; } = Path.GetFullPath(root);

    public string IncomingFolder => Path.Combine(Root, ScoringPaths.IncomingContainer);

    /// <summary>Moves every settled file under <c>&lt;drop&gt;/incoming/</c> into the store.</summary>
    /// <returns>How many files were imported.</returns>
    public async Task<int> ImportAsync(CancellationToken cancellationToken)
    {
        if (!Directory.Exists(IncomingFolder))
        {
            return 0;
        }

        var imported = 0;
        foreach (var file in Directory.GetFiles(IncomingFolder, "*", SearchOption.AllDirectories))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var info = new FileInfo(file);
            // The file system's times are compared with its own clock, not the host's (possibly simulated) one.
            if (info.Name.StartsWith('.') || DateTime.UtcNow - info.LastWriteTimeUtc < SettleTime)
            {
                continue;
            }

            var path = ScoringPaths.Incoming(ToObjectPath(Path.GetRelativePath(IncomingFolder, file)));
            try
            {
                var content = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.SequentialScan);
                await using (content.ConfigureAwait(false))
                {
                    await store.WriteAsync(path, content, WriteCondition.None, cancellationToken).ConfigureAwait(false);
                }

                File.Delete(file);
                LogImported(logger, file, path);
                imported++;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException)
            {
                LogImportFailed(logger, file, ex);
            }
        }

        return imported;
    }

    /// <summary>Copies the files of an outcome out of the store into the drop folder.</summary>
    public async Task ExportAsync(FileScoringResult result, CancellationToken cancellationToken)
    {
        string?[] paths = result switch
        {
            { Summary: { } summary } => [summary.Output, summary.RejectedOutput, ScoringPaths.Summary(RelativeOf(summary.Input))],
            { Error: { } error } => [error.FailedCopy, ScoringPaths.Error(RelativeOf(error.Input))],
            _ => [],
        };
        foreach (var path in paths)
        {
            if (path is not null && await store.OpenReadAsync(path, cancellationToken).ConfigureAwait(false) is { } content)
            {
                await using (content.ConfigureAwait(false))
                {
                    await WriteFileAsync(Path.Combine(Root, path.Replace('/', Path.DirectorySeparatorChar)), content, cancellationToken).ConfigureAwait(false);
                }
            }
        }
    }

    /// <summary>A relative file path as an object path: segments kept, disallowed characters replaced.</summary>
    internal static string ToObjectPath(string relativePath)
    {
        var segments = relativePath.Split(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar);
        var builder = new StringBuilder(relativePath.Length);
        foreach (var segment in segments)
        {
            if (builder.Length > 0)
            {
                builder.Append('/');
            }

            foreach (var c in segment.Trim('.'))
            {
                builder.Append(c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '.' or '_' or '-' ? c : '_');
            }
        }

        return builder.ToString();
    }

    private static string RelativeOf(string inputPath) => inputPath[ScoringPaths.IncomingPrefix.Length..];

    private static async Task WriteFileAsync(string file, Stream content, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        var temporary = Path.Combine(Path.GetDirectoryName(file)!, $".{Path.GetFileName(file)}.{Guid.NewGuid():n}.tmp");
        try
        {
            var output = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 1, FileOptions.Asynchronous);
            await using (output.ConfigureAwait(false))
            {
                await content.CopyToAsync(output, cancellationToken).ConfigureAwait(false);
            }

            File.Move(temporary, file, overwrite: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }

    [LoggerMessage(EventId = 1520, Level = LogLevel.Information, Message = "Moved {File} into the store as {Path}")]
    private static partial void LogImported(ILogger logger, string file, string path);

    [LoggerMessage(EventId = 1521, Level = LogLevel.Warning, Message = "Could not move {File} into the store; trying again on the next scan")]
    private static partial void LogImportFailed(ILogger logger, string file, Exception exception);
}

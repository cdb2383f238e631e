using System.Collections.Concurrent;
using FunctionsMl.Serving.Scoring;
using FunctionsMl.Serving.Storage;
using Microsoft.Extensions.Options;

namespace FunctionsMl.Local.Scoring;

/// <summary>
/// The local blob trigger: scores every file in the store's <c>incoming/</c>, including those that arrived while the
/// host was down, by calling <see cref="FileScorer.ScoreAsync"/> as the Azure function does.
/// </summary>
/// <remarks>
/// The store is listed every <see cref="LocalTriggerOptions.IncomingPollInterval"/>, which works for any store; with
/// the file-system store a <see cref="FileSystemWatcher"/> wakes the scan early. A file that fails on store errors is
/// tried again on later scans, at most <see cref="LocalTriggerOptions.MaxFileAttempts"/> times per version. Each scan
/// first moves files from the plain drop folder into the store and copies outcomes back to it (<see cref="DropFolder"/>).
/// </remarks>
internal sealed partial class IncomingFileWatcher(
    FileScorer scorer,
    IObjectStore store,
    IOptions<LocalTriggerOptions> options,
    TimeProvider timeProvider,
    ILogger<IncomingFileWatcher> logger) : BackgroundService
{
    private readonly LocalTriggerOptions _options = options.Value;
    private readonly SemaphoreSlim _wake = new(0);
    private readonly ConcurrentDictionary<(string Path, string ETag), int> _failures = new();
    private readonly DropFolder? _dropFolder = string.IsNullOrWhiteSpace(options.Value.DropFolder) ? null : new DropFolder(options.Value.DropFolder, store, logger);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        _options.Validate();
        if (!_options.WatchIncoming)
        {
            return;
        }

        using var watcher = CreateFileSystemWatcher();
        LogWatching(logger, ScoringPaths.IncomingPrefix, _options.IncomingPollInterval, watcher is not null, _dropFolder?.IncomingFolder ?? "off");
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await ScanAsync(stoppingToken).ConfigureAwait(false);
                await _wake.WaitAsync(_options.IncomingPollInterval, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                LogScanFailed(logger, ex);
                await Task.Delay(_options.IncomingPollInterval, timeProvider, stoppingToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Scores every input currently listed; returns when all are handled.</summary>
    internal async Task ScanAsync(CancellationToken cancellationToken)
    {
        if (_dropFolder is not null)
        {
            await _dropFolder.ImportAsync(cancellationToken).ConfigureAwait(false);
        }

        var inputs = new List<StoredObjectInfo>();
        await foreach (var info in store.ListAsync(ScoringPaths.IncomingPrefix, cancellationToken).ConfigureAwait(false))
        {
            if (_failures.GetValueOrDefault((info.Path, info.ETag)) < _options.MaxFileAttempts)
            {
                inputs.Add(info);
            }
        }

        var parallel = new ParallelOptions { MaxDegreeOfParallelism = _options.MaxConcurrentFiles, CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(inputs, parallel, async (info, token) =>
        {
            try
            {
                var result = await scorer.ScoreAsync(info.Path, token).ConfigureAwait(false);
                if (_dropFolder is not null)
                {
                    await _dropFolder.ExportAsync(result, token).ConfigureAwait(false);
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !token.IsCancellationRequested)
            {
                var attempts = _failures.AddOrUpdate((info.Path, info.ETag), 1, (_, count) => count + 1);
                if (attempts < _options.MaxFileAttempts)
                {
                    LogWillRetry(logger, info.Path, attempts, ex);
                }
                else
                {
                    LogGivingUp(logger, info.Path, attempts, ex);
                }
            }
        }).ConfigureAwait(false);
    }

    public override void Dispose()
    {
        _wake.Dispose();
        base.Dispose();
    }

    private FileSystemWatcher? CreateFileSystemWatcher()
    {
        if (store is not FileSystemObjectStore fileStore)
        {
            return null;
        }

        try
        {
            var folder = Path.Combine(fileStore.RootDirectory, ScoringPaths.IncomingContainer);
            Directory.CreateDirectory(folder);
            var watcher = new FileSystemWatcher(folder) { IncludeSubdirectories = true, NotifyFilter = NotifyFilters.FileName | NotifyFilters.DirectoryName };

            // The store writes a temporary file and renames it into place, so a finished object shows as a rename.
            watcher.Renamed += (_, _) => Wake();
            watcher.Created += (_, _) => Wake();
            watcher.EnableRaisingEvents = true;
            return watcher;
        }
        catch (Exception ex) when (ex is IOException or PlatformNotSupportedException or UnauthorizedAccessException)
        {
            LogNoFileSystemWatcher(logger, ex);
            return null;
        }
    }

    private void Wake()
    {
        // One pending wake-up is enough however many files land at once.
        if (_wake.CurrentCount == 0)
        {
            _wake.Release();
        }
    }

    [LoggerMessage(EventId = 1500, Level = LogLevel.Information, Message = "Scoring files dropped in {Prefix} (listed every {Interval}; file-system events: {Events}; drop folder: {DropFolder})")]
    private static partial void LogWatching(ILogger logger, string prefix, TimeSpan interval, bool events, string dropFolder);

    [LoggerMessage(EventId = 1501, Level = LogLevel.Warning, Message = "Scoring {Input} failed (attempt {Attempts}); trying again on the next scan")]
    private static partial void LogWillRetry(ILogger logger, string input, int attempts, Exception exception);

    [LoggerMessage(EventId = 1502, Level = LogLevel.Error, Message = "Scoring {Input} failed {Attempts} times; leaving it in place until the next start or a new upload")]
    private static partial void LogGivingUp(ILogger logger, string input, int attempts, Exception exception);

    [LoggerMessage(EventId = 1503, Level = LogLevel.Error, Message = "Listing incoming files failed; trying again")]
    private static partial void LogScanFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 1504, Level = LogLevel.Information, Message = "No file-system events for incoming files; polling only")]
    private static partial void LogNoFileSystemWatcher(ILogger logger, Exception exception);
}

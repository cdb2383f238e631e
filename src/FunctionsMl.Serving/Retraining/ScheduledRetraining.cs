using System.Text.Json;
using FunctionsMl.Engine.Models;
using FunctionsMl.Serving.Definitions;
using FunctionsMl.Serving.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace FunctionsMl.Serving.Retraining;

/// <summary>A scheduled start: the model, the schedule that came due, and what the starter answered (null when it failed).</summary>
public sealed record ScheduledStart(string Model, string Schedule, RetrainStart? Start, string? Error = null);

/// <summary>
/// Starts the runs whose model <c>schedule</c> (six-field NCRONTAB, UTC) came due: the one method behind the Azure
/// timer trigger, and the scheduling half of the local scheduler. Each model's run goes through the host's
/// <see cref="IRetrainingStarter"/>, so a model that is still being retrained is skipped, not started twice.
/// </summary>
/// <remarks>
/// The Azure timer fires every few minutes, but models have schedules of their own, so each tick starts the models whose
/// schedule fired since the previous tick. "Since" is a mark kept in the store (<see cref="MarkPath"/>), not the timer's
/// own status: a tick missed while the app was stopped or being deployed is caught up on the next one (each model at most
/// once), and two instances running the same tick do not both move the mark.
/// </remarks>
public sealed class ScheduledRetraining
{
    /// <summary>Where the schedules were last checked up to.</summary>
    public const string MarkPath = "host/retraining-schedule.json";

    /// <summary>How far back the very first tick looks, when no mark exists yet.</summary>
    public static readonly TimeSpan FirstLookBack = TimeSpan.FromMinutes(5);

    private readonly DefinitionStore _definitions;
    private readonly IObjectStore _store;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly HashSet<string> _reportedInvalid = new(StringComparer.Ordinal);

    public ScheduledRetraining(DefinitionStore definitions, IObjectStore store, TimeProvider timeProvider, ILogger<ScheduledRetraining>? logger = null)
    {
        _definitions = definitions ?? throw new ArgumentNullException(nameof(definitions));
        _store = store ?? throw new ArgumentNullException(nameof(store));
        _timeProvider = timeProvider ?? throw new ArgumentNullException(nameof(timeProvider));
        _logger = logger ?? (ILogger)NullLogger.Instance;
    }

    /// <summary>The schedules that fire in (<paramref name="after"/>, <paramref name="until"/>], each once however often it fires there.</summary>
    public static IReadOnlyList<ModelSchedule> DueBetween(IEnumerable<ModelSchedule> schedules, DateTimeOffset after, DateTimeOffset until)
    {
        ArgumentNullException.ThrowIfNull(schedules);
        return [.. schedules.Where(s => s.NextAfter(after) <= until)];
    }

    /// <summary>
    /// One timer tick: starts every model whose schedule fired between the stored mark (or <see cref="FirstLookBack"/>
    /// ago) and now, then moves the mark to now.
    /// </summary>
    /// <returns>What was started, skipped or failed; empty when nothing was due.</returns>
    public async Task<IReadOnlyList<ScheduledStart>> StartDueAsync(IRetrainingStarter starter, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(starter);
        DateTimeOffset now = _timeProvider.GetUtcNow();
        StoredObject? stored = await _store.ReadAsync(MarkPath, cancellationToken).ConfigureAwait(false);
        DateTimeOffset after = ReadMark(stored) ?? now - FirstLookBack;
        if (after >= now)
        {
            // Checked up to here already: by this tick a moment ago, or by an instance whose clock runs ahead.
            return [];
        }

        IReadOnlyList<ScheduledStart> started = await StartDueBetweenAsync(starter, after, now, cancellationToken).ConfigureAwait(false);

        // The mark moves after the starts: a crash in between starts the same runs again on the next tick, where
        // the starter finds them running (or finished, and the gate keeps the champion), rather than never.
        byte[] content = JsonSerializer.SerializeToUtf8Bytes(new ScheduleMark(now), RetrainingJson.Indented);
        try
        {
            await _store.WriteAsync(MarkPath, content, stored is null ? WriteCondition.IfNoneMatch : WriteCondition.IfMatch(stored.ETag), cancellationToken).ConfigureAwait(false);
        }
        catch (PreconditionFailedException)
        {
            RetrainingLog.ScheduleMarkTaken(_logger, now);
        }

        return started;
    }

    /// <summary>Starts every model whose schedule fires in (<paramref name="after"/>, <paramref name="until"/>].</summary>
    public async Task<IReadOnlyList<ScheduledStart>> StartDueBetweenAsync(IRetrainingStarter starter, DateTimeOffset after, DateTimeOffset until, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(starter);
        var started = new List<ScheduledStart>();
        foreach (ModelSchedule due in DueBetween(await ReadSchedulesAsync(cancellationToken).ConfigureAwait(false), after, until))
        {
            started.Add(await StartAsync(starter, due, cancellationToken).ConfigureAwait(false));
        }

        return started;
    }

    /// <summary>The schedules of every stored definition that has one; an invalid schedule is logged once and left out.</summary>
    public async Task<IReadOnlyList<ModelSchedule>> ReadSchedulesAsync(CancellationToken cancellationToken = default)
    {
        var schedules = new List<ModelSchedule>();
        foreach (StoredDefinition stored in await _definitions.ListAsync(cancellationToken).ConfigureAwait(false))
        {
            try
            {
                if (ModelSchedule.For(stored.Definition) is { } schedule)
                {
                    schedules.Add(schedule);
                }
            }
            catch (ModelDefinitionException e)
            {
                bool firstTime;
                lock (_reportedInvalid)
                {
                    firstTime = _reportedInvalid.Add($"{stored.Name}\n{stored.Definition.Schedule}");
                }

                if (firstTime)
                {
                    RetrainingLog.InvalidSchedule(_logger, stored.Name, e.Message);
                }
            }
        }

        return schedules;
    }

    private async Task<ScheduledStart> StartAsync(IRetrainingStarter starter, ModelSchedule due, CancellationToken cancellationToken)
    {
        try
        {
            RetrainStart start = await starter.StartAsync(due.Model, RunTrigger.Schedule, cancellationToken).ConfigureAwait(false);
            if (start.AlreadyRunning)
            {
                RetrainingLog.ScheduledRunSkipped(_logger, due.Model, start.RunId);
            }
            else
            {
                RetrainingLog.ScheduledRunStarted(_logger, due.Model, start.RunId, due.Expression);
            }

            return new ScheduledStart(due.Model, due.Expression, start);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // One model's failure (its definition vanished, the store hiccuped) must not keep the others from starting.
            RetrainingLog.ScheduledRunFailed(_logger, due.Model, e.Message);
            return new ScheduledStart(due.Model, due.Expression, null, e.Message);
        }
    }

    private static DateTimeOffset? ReadMark(StoredObject? stored)
    {
        if (stored is null)
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize<ScheduleMark>(stored.Content.Span, RetrainingJson.Options)?.CheckedUntil;
        }
        catch (JsonException)
        {
            return null; // Unreadable: start over from the first look-back rather than stop scheduling.
        }
    }

    private sealed record ScheduleMark(DateTimeOffset CheckedUntil);
}

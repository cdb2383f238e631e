using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace FunctionsMl.Serving.Retraining;

/// <summary>
/// Runs <see cref="RetrainingOrchestration"/> in this process: each activity is called directly, retried on
/// transient failures with exponential backoff timed by the <see cref="TimeProvider"/>, and its input and
/// output go through JSON exactly as they would through a Durable Functions history, so a record that
/// would not survive there fails here too.
/// </summary>
/// <remarks>Steps are recorded by the activities themselves, so the run record reads the same under both hosts.</remarks>
public sealed class LocalWorkflowRunner : IWorkflowContext
{
    private readonly RetrainingActivities _activities;
    private readonly TimeProvider _timeProvider;
    private readonly RetrainingProgress? _progress;
    private readonly RunRef? _run;
    private readonly CancellationToken _cancellationToken;

    /// <param name="run">The run, to report retries to its followers; null to only log them.</param>
    /// <param name="cancellationToken">Stops the run between and inside activities (the local host shutting down).</param>
    public LocalWorkflowRunner(RetrainingActivities activities, string instanceId, TimeProvider timeProvider, ILogger logger, RetrainingProgress? progress = null, RunRef? run = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(activities);
        ArgumentException.ThrowIfNullOrEmpty(instanceId);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentNullException.ThrowIfNull(logger);
        _activities = activities;
        InstanceId = instanceId;
        _timeProvider = timeProvider;
        ReplaySafeLogger = logger;
        _progress = progress;
        _run = run;
        _cancellationToken = cancellationToken;
    }

    public string InstanceId { get; }

    public DateTime CurrentUtcDateTime => _timeProvider.GetUtcNow().UtcDateTime;

    /// <summary>In-process nothing replays, so every logger is replay-safe.</summary>
    public ILogger ReplaySafeLogger { get; }

    public async Task<TResult> CallActivityAsync<TResult>(string activityName, object? input, ActivityRetry retry)
    {
        ArgumentException.ThrowIfNullOrEmpty(activityName);
        ArgumentNullException.ThrowIfNull(retry);
        retry.Validate();
        string json = JsonSerializer.Serialize(input, RetrainingJson.Options);
        for (int attempt = 1; ; attempt++)
        {
            _cancellationToken.ThrowIfCancellationRequested();
            try
            {
                object output = await InvokeAsync(activityName, json, _cancellationToken).ConfigureAwait(false);
                return JsonSerializer.Deserialize<TResult>(JsonSerializer.Serialize(output, output.GetType(), RetrainingJson.Options), RetrainingJson.Options)!;
            }
            catch (Exception e) when (attempt < retry.MaxAttempts && TransientFailures.IsTransient(e) && !_cancellationToken.IsCancellationRequested)
            {
                TimeSpan delay = retry.DelayBefore(attempt + 1);
                RetrainingLog.ActivityRetrying(ReplaySafeLogger, activityName, attempt, retry.MaxAttempts, delay, e);
                if (_run is not null)
                {
                    _progress?.Report(_run, string.Create(CultureInfo.InvariantCulture, $"{activityName} attempt {attempt} of {retry.MaxAttempts} failed ({e.GetType().Name}: {e.Message}); retrying in {delay.TotalSeconds:0.###} s"));
                }

                await Task.Delay(delay, _timeProvider, _cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private Task<object> InvokeAsync(string activity, string json, CancellationToken cancellationToken) => activity switch
    {
        RetrainingActivityNames.LoadDefinition => Call<RunRef, DefinitionSnapshot>(json, _activities.LoadDefinitionAsync, cancellationToken),
        RetrainingActivityNames.SnapshotData => Call<RunRef, DataSnapshot>(json, _activities.SnapshotDataAsync, cancellationToken),
        RetrainingActivityNames.TrainCandidate => Call<TrainCandidateInput, CandidateModel>(json, _activities.TrainCandidateAsync, cancellationToken),
        RetrainingActivityNames.EvaluateChampion => Call<EvaluateInput, Evaluation>(json, _activities.EvaluateChampionAsync, cancellationToken),
        RetrainingActivityNames.RegisterAndPromote => Call<DecisionInput, PromotionResult>(json, _activities.RegisterAndPromoteAsync, cancellationToken),
        RetrainingActivityNames.KeepChampion => Call<DecisionInput, PromotionResult>(json, _activities.KeepChampionAsync, cancellationToken),
        RetrainingActivityNames.RecordRun => Call<RecordRunInput, RunOutcome>(json, _activities.RecordRunAsync, cancellationToken),
        _ => throw new ArgumentException($"There is no retraining activity named '{activity}'.", nameof(activity)),
    };

    private static async Task<object> Call<TInput, TOutput>(string json, Func<TInput, CancellationToken, Task<TOutput>> activity, CancellationToken cancellationToken)
        where TOutput : notnull
    {
        TInput input = JsonSerializer.Deserialize<TInput>(json, RetrainingJson.Options)
            ?? throw new ArgumentException($"The activity input is null; expected a {typeof(TInput).Name}.", nameof(json));
        return await activity(input, cancellationToken).ConfigureAwait(false);
    }
}

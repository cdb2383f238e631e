using Microsoft.Extensions.Logging;

namespace FunctionsMl.Serving.Retraining;

/// <summary>
/// The retraining workflow (DESIGN.md §5), written once: load the definition, snapshot the data, train a
/// candidate, evaluate candidate and champion on the same holdout, gate, then register and promote or keep
/// the champion, and record the run.
/// </summary>
/// <remarks>
/// Deterministic, so it can run under Durable Functions replay: it reads nothing but its input and the
/// <see cref="IWorkflowContext"/> (no clock, random numbers, I/O, environment or cancellation token), and
/// does all work in activities. The gate is a pure function and runs here, between activities.
/// Crash safety comes from the order of the steps: nothing a run writes is served until the last,
/// atomic compare-and-swap of <c>production</c>, which comes after the candidate is registered in full.
/// </remarks>
public static class RetrainingOrchestration
{
    /// <summary>Runs the workflow and returns how it ended. Fails only if recording the run fails.</summary>
    /// <exception cref="OperationCanceledException">The local host is stopping (never under Durable Functions).</exception>
    public static async Task<RunOutcome> RunAsync(IWorkflowContext context, RetrainRequest request)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(request);
        ILogger logger = context.ReplaySafeLogger;
        ActivityRetry retry = request.Retry;
        var run = new RunRef(request.Model, request.RunId);
        string step = RetrainingActivityNames.LoadDefinition;
        RunOutcome outcome;
        try
        {
            DefinitionSnapshot definition = await context.CallActivityAsync<DefinitionSnapshot>(step, run, retry);

            step = RetrainingActivityNames.SnapshotData;
            DataSnapshot data = await context.CallActivityAsync<DataSnapshot>(step, run, retry);

            step = RetrainingActivityNames.TrainCandidate;
            CandidateModel candidate = await context.CallActivityAsync<CandidateModel>(step, new TrainCandidateInput(run, definition, data), retry);

            step = RetrainingActivityNames.EvaluateChampion;
            Evaluation evaluation = await context.CallActivityAsync<Evaluation>(step, new EvaluateInput(run, candidate), retry);

            // A pure function of activity outputs, so replay-safe: online metrics from feedback may replace the
            // champion's holdout figure when they are worse and numerous enough (documented on OnlineMetricsRule).
            var online = Monitoring.OnlineMetricsRule.Adjust(definition.Rule.Metric, evaluation.ChampionMetrics, evaluation.ChampionOnline);
            GateDecision decision = RetrainingGate.Decide(definition.Rule, evaluation.CandidateMetrics, evaluation.ChampionVersion, online.ChampionMetrics);
            if (online.Applied)
            {
                decision = decision with { Reason = $"{decision.Reason} ({online.Reason})" };
            }
            RetrainingLog.GateDecided(logger, request.Model, request.RunId, decision.Verdict, decision.Reason);

            step = decision.Promote ? RetrainingActivityNames.RegisterAndPromote : RetrainingActivityNames.KeepChampion;
            PromotionResult result = await context.CallActivityAsync<PromotionResult>(step, new DecisionInput(run, candidate, evaluation.ChampionVersion, decision), retry);

            outcome = new RunOutcome
            {
                Status = RunStatus.Succeeded,
                FinishedAtUtc = context.CurrentUtcDateTime,
                Decision = decision,
                Version = result.Version,
                Promoted = result.Promoted,
            };
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            RetrainingLog.RunFailed(logger, request.Model, request.RunId, step, e.Message);
            outcome = new RunOutcome
            {
                Status = RunStatus.Failed,
                FinishedAtUtc = context.CurrentUtcDateTime,
                Error = e.Message,
                FailedStep = step,
            };
        }

        await context.CallActivityAsync<RunOutcome>(RetrainingActivityNames.RecordRun, new RecordRunInput(run, outcome), retry);
        return outcome;
    }
}

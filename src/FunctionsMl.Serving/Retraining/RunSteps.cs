namespace FunctionsMl.Serving.Retraining;

/// <summary>Pure changes to a run record's steps; <see cref="RunStore.UpdateAsync"/> applies them by compare-and-swap.</summary>
internal static class RunSteps
{
    /// <summary>Starts a step, or its next attempt when the last step of that name did not succeed (or runs again after a replay).</summary>
    public static RetrainingRun Started(RetrainingRun run, string name, DateTimeOffset at)
    {
        List<RunStep> steps = [.. run.Steps];
        int last = steps.Count - 1;
        if (last >= 0 && steps[last].Name == name)
        {
            steps[last] = steps[last] with { Status = StepStatus.Running, Attempts = steps[last].Attempts + 1, FinishedAt = null, DurationSeconds = null, Error = null, Outcome = null };
        }
        else
        {
            steps.Add(new RunStep { Name = name, Status = StepStatus.Running, StartedAt = at });
        }

        return run with { Steps = steps };
    }

    public static RetrainingRun Succeeded(RetrainingRun run, string name, DateTimeOffset at, string outcome) =>
        Finish(run, name, at, StepStatus.Succeeded, outcome, null);

    public static RetrainingRun Failed(RetrainingRun run, string name, DateTimeOffset at, string error) =>
        Finish(run, name, at, StepStatus.Failed, null, error);

    /// <summary>Marks whatever step was running as interrupted and the run as interrupted, with why.</summary>
    public static RetrainingRun Interrupted(RetrainingRun run, DateTimeOffset at, string reason)
    {
        if (run.Status != RunStatus.Running)
        {
            return run;
        }

        List<RunStep> steps = [.. run.Steps];
        string? step = null;
        for (int i = 0; i < steps.Count; i++)
        {
            if (steps[i].Status == StepStatus.Running)
            {
                step = steps[i].Name;
                steps[i] = steps[i] with { Status = StepStatus.Interrupted, Error = reason };
            }
        }

        return run with
        {
            Status = RunStatus.Interrupted,
            Steps = steps,
            FinishedAt = at,
            DurationSeconds = Math.Max(0, (at - run.StartedAt).TotalSeconds),
            Error = reason,
            FailedStep = step,
        };
    }

    private static RetrainingRun Finish(RetrainingRun run, string name, DateTimeOffset at, StepStatus status, string? outcome, string? error)
    {
        List<RunStep> steps = [.. run.Steps];
        int index = steps.FindLastIndex(s => s.Name == name);
        if (index < 0)
        {
            steps.Add(new RunStep { Name = name, Status = status, StartedAt = at, FinishedAt = at, DurationSeconds = 0, Outcome = outcome, Error = error });
        }
        else
        {
            steps[index] = steps[index] with
            {
                Status = status,
                FinishedAt = at,
                DurationSeconds = Math.Max(0, (at - steps[index].StartedAt).TotalSeconds),
                Outcome = outcome,
                Error = error,
            };
        }

        return run with { Steps = steps };
    }
}

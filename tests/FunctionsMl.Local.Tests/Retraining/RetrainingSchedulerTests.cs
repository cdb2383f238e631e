using FunctionsMl.Local.Retraining;
using FunctionsMl.Serving.Retraining;

namespace FunctionsMl.Local.Tests.Retraining;

public sealed class RetrainingSchedulerTests
{
    private static readonly DateTimeOffset Midnight = new(2030, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static readonly ModelSchedule[] Schedules =
    [
        ModelSchedule.Parse("nightly", "0 0 2 * * *"),
        ModelSchedule.Parse("often", "*/30 * * * * *"),
    ];

    [Fact]
    public void DueBetween_WindowHoldingOneFiring_ReturnsThatModelOnce()
    {
        IReadOnlyList<ModelSchedule> due = ScheduledRetraining.DueBetween(Schedules, Midnight.AddHours(1).AddMinutes(59), Midnight.AddHours(2));

        Assert.Equal(["nightly", "often"], due.Select(s => s.Model));
    }

    [Fact]
    public void DueBetween_WindowSpanningSeveralFirings_ReturnsEachModelOnce()
    {
        IReadOnlyList<ModelSchedule> due = ScheduledRetraining.DueBetween(Schedules, Midnight, Midnight.AddMinutes(5));

        Assert.Equal(["often"], due.Select(s => s.Model));
    }

    [Fact]
    public void DueBetween_LowerBoundIsExclusive()
    {
        Assert.Empty(ScheduledRetraining.DueBetween(Schedules, Midnight.AddSeconds(30), Midnight.AddSeconds(59)));
    }

    [Fact]
    public void NextWake_EarliestFiringOrTheNextRefresh()
    {
        Assert.Equal(Midnight.AddSeconds(30), RetrainingSchedulerService.NextWake(Schedules, Midnight, TimeSpan.FromMinutes(1)));
        Assert.Equal(Midnight.AddSeconds(10), RetrainingSchedulerService.NextWake(Schedules, Midnight, TimeSpan.FromSeconds(10)));
        Assert.Equal(Midnight.AddMinutes(1), RetrainingSchedulerService.NextWake([], Midnight, TimeSpan.FromMinutes(1)));
    }
}

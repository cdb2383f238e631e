using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using FunctionsMl.Serving.Definitions;
using FunctionsMl.Serving.Retraining;
using FunctionsMl.Serving.Storage;
using FunctionsMl.Serving.Tests.TestSupport;

namespace FunctionsMl.Serving.Tests.Retraining;

public sealed class ScheduledRetrainingTests
{
    private const string DailyAtNoon = "0 0 12 * * *";
    private const string DailyAt1152 = "0 52 11 * * *";
    private const string DailyAt1205 = "0 5 12 * * *";
    private const string EveryMinute = "0 * * * * *";
    private const string Hourly = "0 0 * * * *";

    private static readonly DateTimeOffset Noon = new(2030, 1, 1, 12, 0, 0, TimeSpan.Zero);

    private readonly ManualTimeProvider _time = new(Noon.AddMinutes(2));
    private readonly HookedObjectStore _store;
    private readonly ListLogger<ScheduledRetraining> _logger = new();
    private readonly RecordingStarter _starter = new();

    public ScheduledRetrainingTests()
    {
        _store = new HookedObjectStore(new InMemoryObjectStore(_time));
    }

    [Fact]
    public async Task StartDueAsync_NoMark_StartsWhatFiredWithinTheFirstLookBack()
    {
        await DefineAsync("recent", DailyAtNoon);    // fired 2 minutes ago
        await DefineAsync("earlier", DailyAt1152);   // fired 10 minutes ago
        await DefineAsync("unscheduled", schedule: null);

        IReadOnlyList<ScheduledStart> started = await CreateSut().StartDueAsync(_starter);

        ScheduledStart only = Assert.Single(started);
        Assert.Equal(("recent", DailyAtNoon, "run-1", false, null), (only.Model, only.Schedule, only.Start?.RunId, only.Start?.AlreadyRunning, only.Error));
        Assert.Equal([("recent", RunTrigger.Schedule)], _starter.Calls);
        Assert.Equal(TimeSpan.FromMinutes(5), ScheduledRetraining.FirstLookBack);
    }

    [Fact]
    public async Task StartDueAsync_AfterATick_NextTickStartsOnlySchedulesThatFiredSinceTheMark()
    {
        await DefineAsync("noon", DailyAtNoon);
        await DefineAsync("five-past", DailyAt1205);
        await DefineAsync("minutely", EveryMinute);
        ScheduledRetraining sut = CreateSut();

        IReadOnlyList<ScheduledStart> first = await sut.StartDueAsync(_starter);
        DateTimeOffset? firstMark = await ReadMarkAsync();
        _time.Advance(TimeSpan.FromMinutes(5));
        IReadOnlyList<ScheduledStart> second = await sut.StartDueAsync(_starter);

        Assert.Equal(["minutely", "noon"], first.Select(s => s.Model));
        Assert.Equal(Noon.AddMinutes(2), firstMark);
        Assert.Equal(["five-past", "minutely"], second.Select(s => s.Model));
        Assert.Equal(Noon.AddMinutes(7), await ReadMarkAsync());
        Assert.Equal(["minutely", "noon", "five-past", "minutely"], _starter.Models);
    }

    [Fact]
    public async Task StartDueAsync_MarkThreeHoursOld_StartsAnHourlyModelOnce()
    {
        var time = new ManualTimeProvider(new DateTimeOffset(2030, 1, 1, 8, 30, 0, TimeSpan.Zero));
        var sut = new ScheduledRetraining(new DefinitionStore(_store), _store, time);
        await DefineAsync("hourly", Hourly);
        Assert.Empty(await sut.StartDueAsync(_starter));   // 08:25-08:30: not yet

        time.Advance(TimeSpan.FromHours(3));   // fired at 09:00, 10:00 and 11:00
        IReadOnlyList<ScheduledStart> started = await sut.StartDueAsync(_starter);

        Assert.Equal("hourly", Assert.Single(started).Model);
        Assert.Equal(["hourly"], _starter.Models);
        Assert.Equal(time.GetUtcNow(), await ReadMarkAsync());
    }

    [Fact]
    public async Task StartDueAsync_InvalidSchedule_LeavesThatModelOutAndStartsTheOthers()
    {
        await DefineAsync("five-fields", "0 12 * * *");
        await DefineAsync("out-of-range", "0 0 25 * * *");
        await DefineAsync("valid", DailyAtNoon);
        ScheduledRetraining sut = CreateSut();

        IReadOnlyList<ScheduledStart> started = await sut.StartDueAsync(_starter);

        Assert.Equal("valid", Assert.Single(started).Model);
        Assert.Equal(["valid"], _starter.Models);
        Assert.Equal(["valid"], (await sut.ReadSchedulesAsync()).Select(s => s.Model));
    }

    [Fact]
    public async Task ReadSchedulesAsync_InvalidSchedule_IsLoggedOnceUntilItChanges()
    {
        await DefineAsync("broken", "0 12 * * *");
        ScheduledRetraining sut = CreateSut();

        await sut.ReadSchedulesAsync();
        await sut.ReadSchedulesAsync();
        int afterTwoReads = InvalidScheduleEntries().Count;
        await DefineAsync("broken", "0 0 12 * *");
        await sut.ReadSchedulesAsync();

        Assert.Equal(1, afterTwoReads);
        IReadOnlyList<string> messages = InvalidScheduleEntries();
        Assert.Equal(2, messages.Count);
        Assert.Contains("'0 0 12 * *'", messages[1], StringComparison.Ordinal);
        Assert.Contains("broken", messages[1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartDueAsync_OneModelsStarterThrows_StartsTheOthersAndReportsTheError()
    {
        await DefineAsync("a", DailyAtNoon);
        await DefineAsync("b", DailyAtNoon);
        await DefineAsync("c", DailyAtNoon);
        _starter.Throws("b", new IOException("the store hiccuped"));

        IReadOnlyList<ScheduledStart> started = await CreateSut().StartDueAsync(_starter);

        Assert.Equal(["a", "b", "c"], started.Select(s => s.Model));
        Assert.Equal(["a", "b", "c"], _starter.Models);
        Assert.All([started[0], started[2]], s => Assert.False(Assert.IsType<RetrainStart>(s.Start).AlreadyRunning));
        Assert.All([started[0], started[2]], s => Assert.Null(s.Error));
        Assert.Null(started[1].Start);
        Assert.Equal("the store hiccuped", started[1].Error);
    }

    [Fact]
    public async Task StartDueAsync_StarterCancelled_ThrowsAndLeavesTheMark()
    {
        await DefineAsync("a", DailyAtNoon);
        _starter.Throws("a", new OperationCanceledException());

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => CreateSut().StartDueAsync(_starter));

        Assert.Null(await _store.ReadAsync(ScheduledRetraining.MarkPath));
    }

    [Fact]
    public async Task StartDueAsync_ModelAlreadyBeingRetrained_ReturnsTheRunInProgress()
    {
        await DefineAsync("busy", DailyAtNoon);
        await DefineAsync("idle", DailyAtNoon);
        _starter.AlreadyRunning("busy", "run-in-progress");

        IReadOnlyList<ScheduledStart> started = await CreateSut().StartDueAsync(_starter);

        Assert.Equal(new RetrainStart("busy", "run-in-progress", AlreadyRunning: true), started[0].Start);
        Assert.Null(started[0].Error);
        Assert.False(started[1].Start!.AlreadyRunning);
    }

    [Fact]
    public async Task StartDueAsync_MarkCreatedByAnotherInstanceMeanwhile_KeepsTheirMark()
    {
        await DefineAsync("a", DailyAtNoon);
        byte[] theirs = MarkJson(Noon.AddMinutes(3));
        _store.Once("write", p => p == ScheduledRetraining.MarkPath, () => _store.Inner.WriteAsync(ScheduledRetraining.MarkPath, theirs, WriteCondition.None));

        IReadOnlyList<ScheduledStart> started = await CreateSut().StartDueAsync(_starter);

        Assert.Equal("a", Assert.Single(started).Model);
        Assert.Equal(theirs, (await _store.ReadAsync(ScheduledRetraining.MarkPath))!.Content.ToArray());
    }

    [Fact]
    public async Task StartDueAsync_MarkMovedByAnotherInstanceDuringTheStarts_KeepsTheirMark()
    {
        await DefineAsync("a", DailyAtNoon);
        await DefineAsync("b", DailyAt1205);
        ScheduledRetraining sut = CreateSut();
        await sut.StartDueAsync(_starter);
        _time.Advance(TimeSpan.FromMinutes(5));
        byte[] theirs = MarkJson(Noon.AddMinutes(8));
        _starter.OnStart("b", () => _store.Inner.WriteAsync(ScheduledRetraining.MarkPath, theirs, WriteCondition.None));

        IReadOnlyList<ScheduledStart> started = await sut.StartDueAsync(_starter);

        Assert.Equal("b", Assert.Single(started).Model);
        Assert.Equal(theirs, (await _store.ReadAsync(ScheduledRetraining.MarkPath))!.Content.ToArray());
        Assert.Equal(Noon.AddMinutes(8), await ReadMarkAsync());
    }

    [Fact]
    public async Task StartDueAsync_UnreadableMark_LooksBackTheFirstLookBackAndReplacesIt()
    {
        await DefineAsync("recent", DailyAtNoon);
        await DefineAsync("earlier", DailyAt1152);
        await _store.WriteAsync(ScheduledRetraining.MarkPath, "{ not json"u8.ToArray(), WriteCondition.None);

        IReadOnlyList<ScheduledStart> started = await CreateSut().StartDueAsync(_starter);

        Assert.Equal("recent", Assert.Single(started).Model);
        Assert.Equal(Noon.AddMinutes(2), await ReadMarkAsync());
    }

    [Fact]
    public async Task StartDueAsync_NothingDue_StartsNothingAndMovesTheMark()
    {
        await DefineAsync("earlier", DailyAt1152);

        Assert.Empty(await CreateSut().StartDueAsync(_starter));

        Assert.Empty(_starter.Calls);
        Assert.Equal(Noon.AddMinutes(2), await ReadMarkAsync());
    }

    [Fact]
    public async Task StartDueAsync_SecondTickAtTheSameInstant_StartsNothingAgain()
    {
        await DefineAsync("recent", DailyAtNoon);
        ScheduledRetraining sut = CreateSut();
        await sut.StartDueAsync(_starter);

        IReadOnlyList<ScheduledStart> again = await sut.StartDueAsync(_starter);

        Assert.Empty(again);
        Assert.Equal(["recent"], _starter.Models);
    }

    [Fact]
    public async Task StartDueAsync_MarkAheadOfThisClock_StartsNothingAlreadyCovered()
    {
        await DefineAsync("recent", DailyAtNoon);
        await _store.WriteAsync(ScheduledRetraining.MarkPath, MarkJson(Noon.AddMinutes(2).AddSeconds(1)), WriteCondition.None);

        Assert.Empty(await CreateSut().StartDueAsync(_starter));
        Assert.Empty(_starter.Calls);
    }

    [Fact]
    public async Task StartDueBetweenAsync_Interval_StartsWhatFiredThereAndLeavesTheMarkAlone()
    {
        await DefineAsync("noon", DailyAtNoon);
        await DefineAsync("earlier", DailyAt1152);

        IReadOnlyList<ScheduledStart> started = await CreateSut().StartDueBetweenAsync(_starter, Noon.AddMinutes(-9), Noon.AddMinutes(-7));

        Assert.Equal("earlier", Assert.Single(started).Model);
        Assert.Null(await _store.ReadAsync(ScheduledRetraining.MarkPath));
    }

    [Fact]
    public void DueBetween_Boundaries_ExcludesAfterIncludesUntilAndListsEachScheduleOnce()
    {
        ModelSchedule noon = ModelSchedule.Parse("noon", DailyAtNoon);
        ModelSchedule minutely = ModelSchedule.Parse("minutely", EveryMinute);
        ModelSchedule[] schedules = [noon, minutely];

        Assert.Equal(["noon", "minutely"], ScheduledRetraining.DueBetween(schedules, Noon.AddSeconds(-1), Noon).Select(s => s.Model));
        Assert.Equal(["minutely"], ScheduledRetraining.DueBetween(schedules, Noon, Noon.AddHours(3)).Select(s => s.Model));
        Assert.Empty(ScheduledRetraining.DueBetween(schedules, Noon, Noon.AddSeconds(59)));
    }

    private ScheduledRetraining CreateSut() => new(new DefinitionStore(_store), _store, _time, _logger);

    private List<string> InvalidScheduleEntries() => [.. _logger.Entries.Where(e => e.Event.Id == 1540).Select(e => e.Message)];

    /// <summary>Stores a definition as a deployment would, with a <c>schedule</c> when one is given.</summary>
    private async Task DefineAsync(string model, string? schedule)
    {
        var definition = new JsonObject { ["name"] = model, ["task"] = "regression", ["label"] = "y", ["trainer"] = new JsonObject { ["type"] = "linear" } };
        if (schedule is not null)
        {
            definition["schedule"] = schedule;
        }

        await _store.WriteAsync(DefinitionPaths.Definition(model), Encoding.UTF8.GetBytes(definition.ToJsonString()), WriteCondition.None);
    }

    private static byte[] MarkJson(DateTimeOffset checkedUntil) =>
        Encoding.UTF8.GetBytes($$"""{"checkedUntil": "{{checkedUntil:O}}"}""");

    private async Task<DateTimeOffset?> ReadMarkAsync()
    {
        StoredObject? stored = await _store.ReadAsync(ScheduledRetraining.MarkPath);
        return stored is null ? null : JsonDocument.Parse(stored.Content).RootElement.GetProperty("checkedUntil").GetDateTimeOffset();
    }
}

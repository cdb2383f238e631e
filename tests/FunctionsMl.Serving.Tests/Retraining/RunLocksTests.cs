using FunctionsMl.Serving.Retraining;
using FunctionsMl.Serving.Storage;
using FunctionsMl.Serving.Tests.TestSupport;
using Microsoft.Extensions.Options;

namespace FunctionsMl.Serving.Tests.Retraining;

public sealed class RunLocksTests
{
    private readonly ManualTimeProvider _time = new();
    private readonly InMemoryObjectStore _store = new();

    [Fact]
    public async Task TryAcquireAsync_Free_TakesItAndASecondRunIsRefused()
    {
        RunLocks locks = Locks();

        RunLockAttempt first = await locks.TryAcquireAsync("iris", "run-a");
        RunLockAttempt second = await locks.TryAcquireAsync("iris", "run-b");

        Assert.True(first.Acquired);
        Assert.False(second.Acquired);
        Assert.Equal("run-a", second.Holder.RunId);
        Assert.Equal(_time.GetUtcNow() + TimeSpan.FromMinutes(2), first.Holder.ExpiresAt);
    }

    [Fact]
    public async Task RenewAsync_BeforeExpiry_KeepsTheLockAlive()
    {
        RunLocks locks = Locks();
        await locks.TryAcquireAsync("iris", "run-a");
        _time.Advance(TimeSpan.FromMinutes(1.5));

        Assert.True(await locks.RenewAsync("iris", "run-a"));
        _time.Advance(TimeSpan.FromMinutes(1.5));

        Assert.False((await locks.TryAcquireAsync("iris", "run-b")).Acquired);
        Assert.False(await locks.RenewAsync("iris", "run-b"));
    }

    [Fact]
    public async Task TryAcquireAsync_LeaseExpired_TakesOverAndSaysWhy()
    {
        RunLocks locks = Locks();
        await locks.TryAcquireAsync("iris", "run-a");
        _time.Advance(TimeSpan.FromMinutes(3));

        RunLockAttempt attempt = await locks.TryAcquireAsync("iris", "run-b");

        Assert.True(attempt.Acquired);
        Assert.Equal("run-a", attempt.Replaced!.RunId);
        Assert.StartsWith("its lease expired at", attempt.ReplacedBecause);
        Assert.False(await locks.ReleaseAsync("iris", "run-a"));
        Assert.True(await locks.ReleaseAsync("iris", "run-b"));
        Assert.Null(await locks.ReadAsync("iris"));
    }

    [Theory]
    [InlineData(true, true)]
    [InlineData(false, false)]
    public void StaleReason_HolderProcessGone_IsStaleOnlyWhereRunsLiveInTheirProcess(bool runsInStartingProcess, bool stale)
    {
        RunLocks locks = Locks(new RetrainingOptions { RunsInStartingProcess = runsInStartingProcess });
        var gone = new RunOwner(RunLocks.CurrentProcess.Host, 999_999, DateTimeOffset.UnixEpoch);

        string? reason = locks.StaleReason(Lock(gone));

        Assert.Equal(stale, reason is not null);
    }

    [Fact]
    public void StaleReason_LiveHolders_AreNotStale()
    {
        RunLocks locks = Locks();

        Assert.Null(locks.StaleReason(Lock(RunLocks.CurrentProcess)));
        Assert.Null(locks.StaleReason(Lock(new RunOwner("another-machine", 999_999, DateTimeOffset.UnixEpoch))));
    }

    [Fact]
    public void StaleReason_ReusedProcessId_IsStale()
    {
        RunLocks locks = Locks();
        RunOwner reused = RunLocks.CurrentProcess with { ProcessStartedAt = RunLocks.CurrentProcess.ProcessStartedAt.AddMinutes(-10) };

        Assert.NotNull(locks.StaleReason(Lock(reused)));
    }

    private RunLocks Locks(RetrainingOptions? options = null) => new(_store, _time, Options.Create(options ?? new RetrainingOptions()));

    private RunLockInfo Lock(RunOwner owner) => new("iris", "run-a", owner, _time.GetUtcNow(), _time.GetUtcNow().AddHours(1));
}

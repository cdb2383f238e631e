namespace FunctionsMl.Functions.Tests.Support;

/// <summary>A clock that always reads the same instant, so two hosts seeded alike write alike.</summary>
internal sealed class FixedTimeProvider(DateTimeOffset now) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => now;
}

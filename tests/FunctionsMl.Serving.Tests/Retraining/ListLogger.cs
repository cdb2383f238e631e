using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace FunctionsMl.Serving.Tests.Retraining;

/// <summary>A logger that keeps every entry, so a test can check what was reported and how often.</summary>
public sealed class ListLogger<T> : ILogger<T>
{
    private readonly ConcurrentQueue<(EventId Event, LogLevel Level, string Message)> _entries = new();

    public IReadOnlyList<(EventId Event, LogLevel Level, string Message)> Entries => [.. _entries];

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        _entries.Enqueue((eventId, logLevel, formatter(state, exception)));
}

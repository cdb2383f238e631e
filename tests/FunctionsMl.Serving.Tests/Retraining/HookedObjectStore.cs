using System.Runtime.CompilerServices;
using FunctionsMl.Serving.Storage;

namespace FunctionsMl.Serving.Tests.Retraining;

/// <summary>
/// An <see cref="IObjectStore"/> over another that lets a test fail or intercept chosen operations: each hook
/// sees the operation ("read", "open", "write", "list", "delete", "etag") and the path, and may throw or act.
/// </summary>
public sealed class HookedObjectStore(IObjectStore inner) : IObjectStore
{
    private readonly List<Func<string, string, Task>> _hooks = [];

    public IObjectStore Inner { get; } = inner;

    /// <summary>Adds a hook; hooks run in order before the operation.</summary>
    public void Before(Func<string, string, Task> hook)
    {
        lock (_hooks)
        {
            _hooks.Add(hook);
        }
    }

    /// <summary>Throws <see cref="IOException"/> on the first <paramref name="times"/> matching operations.</summary>
    public void FailTimes(string operation, Func<string, bool> path, int times)
    {
        int remaining = times;
        Before((op, p) =>
        {
            if (op == operation && path(p) && Interlocked.Decrement(ref remaining) >= 0)
            {
                throw new IOException($"injected failure: {op} {p}");
            }

            return Task.CompletedTask;
        });
    }

    /// <summary>Runs <paramref name="action"/> once, before the first matching operation.</summary>
    public void Once(string operation, Func<string, bool> path, Func<Task> action)
    {
        int done = 0;
        Before(async (op, p) =>
        {
            if (op == operation && path(p) && Interlocked.Exchange(ref done, 1) == 0)
            {
                await action();
            }
        });
    }

    public async Task<StoredObject?> ReadAsync(string path, CancellationToken cancellationToken = default)
    {
        await RunHooksAsync("read", path);
        return await Inner.ReadAsync(path, cancellationToken);
    }

    public async Task<Stream?> OpenReadAsync(string path, CancellationToken cancellationToken = default)
    {
        await RunHooksAsync("open", path);
        return await Inner.OpenReadAsync(path, cancellationToken);
    }

    public async Task<string> WriteAsync(string path, ReadOnlyMemory<byte> content, WriteCondition condition, CancellationToken cancellationToken = default)
    {
        await RunHooksAsync("write", path);
        return await Inner.WriteAsync(path, content, condition, cancellationToken);
    }

    public async Task<string> WriteAsync(string path, Stream content, WriteCondition condition, CancellationToken cancellationToken = default)
    {
        await RunHooksAsync("write", path);
        return await Inner.WriteAsync(path, content, condition, cancellationToken);
    }

    public async IAsyncEnumerable<StoredObjectInfo> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await RunHooksAsync("list", prefix);
        await foreach (StoredObjectInfo info in Inner.ListAsync(prefix, cancellationToken))
        {
            yield return info;
        }
    }

    public async Task<bool> DeleteAsync(string path, WriteCondition condition, CancellationToken cancellationToken = default)
    {
        await RunHooksAsync("delete", path);
        return await Inner.DeleteAsync(path, condition, cancellationToken);
    }

    public async Task<string?> GetETagAsync(string path, CancellationToken cancellationToken = default)
    {
        await RunHooksAsync("etag", path);
        return await Inner.GetETagAsync(path, cancellationToken);
    }

    private async Task RunHooksAsync(string operation, string path)
    {
        Func<string, string, Task>[] hooks;
        lock (_hooks)
        {
            hooks = [.. _hooks];
        }

        foreach (Func<string, string, Task> hook in hooks)
        {
            await hook(operation, path);
        }
    }
}

using System.Diagnostics;
using System.Text;

namespace FunctionsMl.Local.Tests.Retraining;

/// <summary>
/// The real <c>functionsml</c> executable started as a user would, its output collected as it comes (so a
/// chatty process never blocks on a full pipe).
/// </summary>
public sealed class LocalProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly StringBuilder _error = new();

    private LocalProcess(Process process)
    {
        _process = process;
    }

    public int Id => _process.Id;

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public string Error
    {
        get
        {
            lock (_error)
            {
                return _error.ToString();
            }
        }
    }

    public static LocalProcess Start(params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(typeof(Program).Assembly.Location);
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        var local = new LocalProcess(Process.Start(start) ?? throw new InvalidOperationException("functionsml did not start."));
        local._process.OutputDataReceived += (_, e) => Append(local._output, e.Data);
        local._process.ErrorDataReceived += (_, e) => Append(local._error, e.Data);
        local._process.BeginOutputReadLine();
        local._process.BeginErrorReadLine();
        return local;
    }

    /// <summary>Runs functionsml to its end and returns it.</summary>
    public static async Task<LocalProcess> RunAsync(params string[] arguments)
    {
        LocalProcess process = Start(arguments);
        await process.WaitForExitAsync(TimeSpan.FromSeconds(60));
        return process;
    }

    public int ExitCode => _process.ExitCode;

    public async Task WaitForExitAsync(TimeSpan timeout)
    {
        using var cancellation = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cancellation.Token);
        }
        catch (OperationCanceledException)
        {
            Kill();
            throw new TimeoutException($"functionsml did not exit within {timeout}.\nstdout:\n{Output}\nstderr:\n{Error}");
        }

        // Drains the asynchronous readers.
        _process.WaitForExit();
    }

    public void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }
    }

    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }


    public static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "FunctionsMl.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("The tests run outside the repository: FunctionsMl.sln not found above " + AppContext.BaseDirectory);
    }

    private static void Append(StringBuilder builder, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (builder)
        {
            builder.AppendLine(line);
        }
    }
}

/// <summary>A fresh folder under the system temp folder, removed on dispose.</summary>
public sealed class ScratchFolder : IDisposable
{
    public ScratchFolder()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "functionsml-local-tests", Guid.NewGuid().ToString("n"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A child process may still be exiting; the OS cleans its temporary folder eventually.
        }
    }
}

using System.Diagnostics;

namespace FunctionsMl.Serving.Tests.TestSupport;

/// <summary>
/// One run of the FunctionsMl.StoreRaceProbe helper, a separate process using the store, which the test
/// project references so it is built and copied beside the tests. Lines it prints are collected.
/// </summary>
public sealed class ProbeProcess : IDisposable
{
    private static readonly TimeSpan LineTimeout = TimeSpan.FromSeconds(30);

    private readonly Process _process;

    private ProbeProcess(Process process)
    {
        _process = process;
    }

    public static ProbeProcess Start(params string[] arguments)
    {
        string probe = Path.Combine(AppContext.BaseDirectory, "FunctionsMl.StoreRaceProbe.dll");
        if (!File.Exists(probe))
        {
            throw new FileNotFoundException($"The probe was not built beside the tests: {probe}");
        }

        var start = new ProcessStartInfo(DotnetHost())
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("exec");
        start.ArgumentList.Add(probe);
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        return new ProbeProcess(Process.Start(start) ?? throw new InvalidOperationException("The probe process did not start."));
    }

    public int Id => _process.Id;

    /// <summary>Reads the next line the probe printed; fails the test if none comes in time.</summary>
    public async Task<string> ReadLineAsync()
    {
        using var timeout = new CancellationTokenSource(LineTimeout);
        string? line = await _process.StandardOutput.ReadLineAsync(timeout.Token);
        if (line is null)
        {
            string errors = await _process.StandardError.ReadToEndAsync(timeout.Token);
            throw new InvalidOperationException($"The probe ended without output. Its errors: {errors}");
        }

        return line;
    }

    public async Task ExpectLineAsync(string expected)
    {
        string line = await ReadLineAsync();
        Assert.Equal(expected, line);
    }

    public async Task SendAsync(string line)
    {
        await _process.StandardInput.WriteLineAsync(line);
        await _process.StandardInput.FlushAsync();
    }

    /// <summary>Reads every remaining line and waits for a clean exit.</summary>
    public async Task<IReadOnlyList<string>> ReadToEndAsync()
    {
        using var timeout = new CancellationTokenSource(LineTimeout);
        string output = await _process.StandardOutput.ReadToEndAsync(timeout.Token);
        string errors = await _process.StandardError.ReadToEndAsync(timeout.Token);
        await _process.WaitForExitAsync(timeout.Token);
        Assert.True(_process.ExitCode == 0, $"The probe exited with {_process.ExitCode}: {errors}");
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }

    /// <summary>Kills the probe the way a crash would: no cleanup code of its own runs.</summary>
    public async Task KillAsync()
    {
        _process.Kill(entireProcessTree: true);
        using var timeout = new CancellationTokenSource(LineTimeout);
        await _process.WaitForExitAsync(timeout.Token);
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        _process.Dispose();
    }

    private static string DotnetHost()
    {
        // `dotnet test` sets DOTNET_HOST_PATH to the muxer running it; otherwise the test host itself is usually dotnet.
        if (Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host))
        {
            return host;
        }

        if (Environment.ProcessPath is { } self && Path.GetFileNameWithoutExtension(self).Equals("dotnet", StringComparison.OrdinalIgnoreCase))
        {
            return self;
        }

        return "dotnet";
    }
}

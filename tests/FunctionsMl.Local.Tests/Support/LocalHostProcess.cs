using System.Diagnostics;
using System.Text;

namespace FunctionsMl.Local.Tests.Support;

/// <summary>The real local host executable, started as a user starts it, listening on a free loopback port.</summary>
internal sealed class LocalHostProcess : IAsyncDisposable
{
    public const string ApiKey = "test-key";

    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private LocalHostProcess(Process process, Uri baseAddress)
    {
        _process = process;
        BaseAddress = baseAddress;
        Client = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(30) };
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public Uri BaseAddress { get; }

    public HttpClient Client { get; }

    /// <summary>Everything the host printed so far, for failure messages.</summary>
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

    public bool HasExited => _process.HasExited;

    /// <summary>Starts <c>functionsml serve</c> with the given extra arguments and waits until it answers.</summary>
    public static Task<LocalHostProcess> StartAsync(string storePath, params string[] extraArguments) =>
        StartWithoutKeyAsync(storePath, ["--api-key", ApiKey, .. extraArguments]);

    /// <summary>As <see cref="StartAsync"/>, leaving the key to the host (the store's own key).</summary>
    public static async Task<LocalHostProcess> StartWithoutKeyAsync(string storePath, params string[] extraArguments)
    {
        var port = LoopbackPort.Free();
        var address = new Uri($"http://127.0.0.1:{port}");
        string[] arguments = [typeof(Program).Assembly.Location, "serve", "--store", storePath, "--urls", address.ToString().TrimEnd('/'), .. extraArguments];
        var startInfo = new ProcessStartInfo("dotnet", arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Repository.Root,
        };
        var host = new LocalHostProcess(Process.Start(startInfo)!, address);
        await host.WaitUntilLiveAsync();
        return host;
    }

    public async Task<int> StopAsync(TimeSpan timeout)
    {
        // SIGINT, as Ctrl+C sends it: the host should drain and exit by itself.
        using var kill = Process.Start("kill", ["-INT", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        await kill!.WaitForExitAsync();
        using var cancellation = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cancellation.Token);
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private async Task WaitUntilLiveAsync()
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(60))
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"The local host exited with code {_process.ExitCode}:\n{Output}");
            }

            try
            {
                using var response = await Client.GetAsync("/v2/health/live");
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"The local host did not answer within 60 s:\n{Output}");
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }

}

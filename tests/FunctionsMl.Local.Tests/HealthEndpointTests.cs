using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace FunctionsMl.Local.Tests;

/// <summary>Starts the real local host executable, as a user would, and talks to it over loopback.</summary>
public sealed class HealthEndpointTests
{
    [Fact]
    public async Task Live_OnFreshStart_Returns200()
    {
        var port = FreeTcpPort();
        using var host = Process.Start(new ProcessStartInfo("dotnet", [typeof(Program).Assembly.Location, "--urls", $"http://127.0.0.1:{port}"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
            var response = await RetryUntilListeningAsync(() => http.GetAsync("/v2/health/live"));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
        finally
        {
            host.Kill(entireProcessTree: true);
            await host.WaitForExitAsync();
        }
    }

    private static int FreeTcpPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task<HttpResponseMessage> RetryUntilListeningAsync(Func<Task<HttpResponseMessage>> call)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            try
            {
                return await call();
            }
            catch (HttpRequestException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
            }
        }
    }
}

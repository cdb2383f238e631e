using System.Net;
using System.Net.Sockets;

namespace FunctionsMl.Local.Tests.Support;

/// <summary>A TCP port free on 127.0.0.1 right now, for a host under test to listen on.</summary>
internal static class LoopbackPort
{
    public static int Free()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

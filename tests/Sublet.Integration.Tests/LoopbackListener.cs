using System.Net;

namespace Sublet.Integration.Tests;

/// <summary>An HttpListener started on 127.0.0.1 at a free port, for the test servers that stand in for a registry's parts.</summary>
internal static class LoopbackListener
{
    /// <summary>
    /// A listener on a random high port, another tried while one is taken. Each try gets a new
    /// listener: one whose Start failed is closed and cannot be started again (HttpListener.Managed).
    /// </summary>
    public static HttpListener Start(out int port)
    {
        for (var attempt = 0; ; attempt++)
        {
            port = Random.Shared.Next(20000, 60000);
            var listener = new HttpListener();
            listener.Prefixes.Add($"http://127.0.0.1:{port}/");
            try
            {
                listener.Start();
                return listener;
            }
            catch (HttpListenerException) when (attempt < 20)
            {
                listener.Close(); // port taken: try another
            }
        }
    }
}

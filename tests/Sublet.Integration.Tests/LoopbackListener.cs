using System.Net;

namespace Sublet.Integration.Tests;

/// <summary>An HttpListener started on 127.0.0.1 at a free port, for the test servers that stand in for a registry's parts.</summary>
internal static class LoopbackListener
{
    /// <summary>Starts <paramref name="listener"/> on a random high port, trying another while one is taken; returns the port.</summary>
    public static int Start(HttpListener listener)
    {
        for (var attempt = 0; ; attempt++)
        {
            var port = Random.Shared.Next(20000, 60000);
            listener.Prefixes.Clear();
            listener.Prefixes.Add($"http://127.0.0.1:{port}/");
            try
            {
                listener.Start();
                return port;
            }
            catch (HttpListenerException) when (attempt < 20)
            {
                // Port taken: try another.
            }
        }
    }
}

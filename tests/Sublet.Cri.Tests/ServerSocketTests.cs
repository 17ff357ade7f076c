using System.Net.Sockets;
using Sublet.Cri.Hosting;

namespace Sublet.Cri.Tests;

/// <summary>The socket's ownership rules, on a real filesystem (no root needed).</summary>
public sealed class ServerSocketTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sublet-cri-sock-").FullName;

    private string SocketPath => Path.Combine(_dir, "run", "sublet.sock");

    [Fact]
    public void A_second_claim_of_the_same_path_is_refused_until_the_first_is_released()
    {
        using (ServerSocket.Claim(SocketPath))
        {
            var e = Assert.Throws<InvalidOperationException>(() => ServerSocket.Claim(SocketPath));
            Assert.Equal($"another sublet serve is already listening on {SocketPath} (it holds {SocketPath}.lock)", e.Message);
        }
        using var again = ServerSocket.Claim(SocketPath);
    }

    [Fact]
    public void The_socket_is_bound_privately_published_0600_and_removed_on_dispose()
    {
        using (var socket = ServerSocket.Claim(SocketPath))
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Path.GetDirectoryName(socket.BindPath)!));
            using var listener = Bind(socket.BindPath);
            socket.Publish();

            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(SocketPath));
            Assert.False(Directory.Exists(Path.GetDirectoryName(socket.BindPath)));
            using var client = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            client.Connect(new UnixDomainSocketEndPoint(SocketPath)); // the renamed socket still accepts
        }
        Assert.False(File.Exists(SocketPath));
    }

    [Fact]
    public void A_stale_socket_from_a_dead_server_is_replaced()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(SocketPath)!);
        // .NET unlinks a socket it bound when closed; a hard link outlives it, as a killed server's socket would.
        var dead = Path.Combine(_dir, "dead.sock");
        using (Bind(dead))
        {
            Sublet.Linux.Files.FileOps.Link(dead, SocketPath);
        }
        Assert.True(File.Exists(SocketPath));

        using var socket = ServerSocket.Claim(SocketPath);
        using var listener = Bind(socket.BindPath);
        socket.Publish();

        using var client = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        client.Connect(new UnixDomainSocketEndPoint(SocketPath));
    }

    [Fact]
    public void Something_other_than_a_socket_at_the_path_is_never_replaced()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(SocketPath)!);
        File.WriteAllText(SocketPath, "precious");

        var e = Assert.Throws<InvalidOperationException>(() => ServerSocket.Claim(SocketPath));

        Assert.Contains("is not a socket", e.Message);
        Assert.Equal("precious", File.ReadAllText(SocketPath));
    }

    private static Socket Bind(string path)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(path));
        socket.Listen();
        return socket;
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}

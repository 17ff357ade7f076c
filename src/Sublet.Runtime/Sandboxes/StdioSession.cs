namespace Sublet.Runtime.Sandboxes;

/// <summary>
/// A process's standard streams carried to a streaming client (CRI Exec and Attach): what is
/// written to stdin reaches the process, its output comes back as stdout and stderr.
/// </summary>
public interface IStdioSession : IDisposable
{
    /// <summary>Sets the terminal's size in characters; without a terminal it does nothing.</summary>
    void Resize(ushort width, ushort height);

    /// <summary>
    /// Copies <paramref name="stdin"/> to the process until it ends (then the process reads end
    /// of file) and the process's output to <paramref name="stdout"/> and <paramref name="stderr"/>
    /// (null = dropped) until the output ends. Returns the exit code of an exec'd process, null
    /// for an attach. Cancelling ends the session: an exec'd process is killed, an attach detaches
    /// and leaves the container running.
    /// </summary>
    Task<int?> RunAsync(Stream? stdin, Stream? stdout, Stream? stderr, CancellationToken cancel);
}

internal static class StdioCopy
{
    private const int BufferSize = 32 * 1024;

    /// <summary>Copies until <paramref name="from"/> ends; a null destination drops what is read. A terminal master's EIO (no slave left) is its end.</summary>
    public static async Task Output(Stream from, Stream? to, CancellationToken cancel)
    {
        var buffer = new byte[BufferSize];
        while (true)
        {
            int read;
            try
            {
                read = await from.ReadAsync(buffer, cancel).ConfigureAwait(false);
            }
            catch (IOException)
            {
                return;
            }
            if (read == 0)
            {
                return;
            }
            if (to is not null)
            {
                await to.WriteAsync(buffer.AsMemory(0, read), cancel).ConfigureAwait(false);
                await to.FlushAsync(cancel).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Copies the client's input to the process until the client ends it, then calls
    /// <paramref name="end"/>. The process may end first: writes that fail then are not errors.
    /// </summary>
    public static async Task Input(Stream from, Stream to, Action end, CancellationToken cancel)
    {
        var buffer = new byte[BufferSize];
        try
        {
            int read;
            while ((read = await from.ReadAsync(buffer, cancel).ConfigureAwait(false)) > 0)
            {
                await to.WriteAsync(buffer.AsMemory(0, read), cancel).ConfigureAwait(false);
                await to.FlushAsync(cancel).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or OperationCanceledException)
        {
            return;
        }
        end();
    }
}

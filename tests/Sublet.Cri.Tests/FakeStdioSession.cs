using Sublet.Runtime.Sandboxes;

namespace Sublet.Cri.Tests;

/// <summary>
/// A process stand-in: writes <see cref="Stdout"/> and <see cref="Stderr"/>, then echoes its
/// input to stdout until the input ends (or only when <see cref="Echo"/>), and exits with
/// <see cref="ExitCode"/>. Records sizes and whether it was cancelled or disposed.
/// </summary>
internal sealed class FakeStdioSession : IStdioSession
{
    public string Stdout { get; init; } = "";
    public string Stderr { get; init; } = "";
    public bool Echo { get; init; } = true;
    public int? ExitCode { get; init; } = 0;

    /// <summary>When set, the process runs until cancelled.</summary>
    public bool Forever { get; init; }

    public List<(ushort Width, ushort Height)> Sizes { get; } = [];
    public TaskCompletionSource Resized { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    public TaskCompletionSource Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    public bool Cancelled { get; private set; }
    public bool Disposed { get; private set; }

    public void Resize(ushort width, ushort height)
    {
        lock (Sizes)
        {
            Sizes.Add((width, height));
        }
        Resized.TrySetResult();
    }

    public async Task<int?> RunAsync(Stream? stdin, Stream? stdout, Stream? stderr, CancellationToken cancel)
    {
        Started.TrySetResult();
        try
        {
            if (stdout is not null && Stdout.Length > 0)
            {
                await stdout.WriteAsync(System.Text.Encoding.UTF8.GetBytes(Stdout), cancel);
            }
            if (stderr is not null && Stderr.Length > 0)
            {
                await stderr.WriteAsync(System.Text.Encoding.UTF8.GetBytes(Stderr), cancel);
            }
            if (Echo && stdin is not null)
            {
                var buffer = new byte[4096];
                int read;
                while ((read = await stdin.ReadAsync(buffer, cancel)) > 0)
                {
                    if (stdout is not null)
                    {
                        await stdout.WriteAsync(buffer.AsMemory(0, read), cancel);
                    }
                }
            }
            if (Forever)
            {
                await Task.Delay(Timeout.Infinite, cancel);
            }
            return ExitCode;
        }
        catch (OperationCanceledException)
        {
            Cancelled = true;
            throw;
        }
    }

    public void Dispose() => Disposed = true;
}

using System.Runtime.InteropServices;

namespace Sublet.Bench;

/// <summary>
/// Ctrl-C, SIGTERM and SIGHUP cancel the run instead of killing the process, so the finally
/// blocks that unmount, kill children and remove temp dirs always run. Loops poll <see cref="Token"/>.
/// </summary>
internal sealed class Interrupt : IDisposable
{
    private readonly CancellationTokenSource _cts = new();
    private readonly List<PosixSignalRegistration> _registrations = [];

    public Interrupt()
    {
        foreach (var signal in new[] { PosixSignal.SIGINT, PosixSignal.SIGTERM, PosixSignal.SIGHUP })
        {
            _registrations.Add(PosixSignalRegistration.Create(signal, context =>
            {
                context.Cancel = true;
                if (!_cts.IsCancellationRequested) Console.Error.WriteLine($"\n{context.Signal}: stopping after cleanup");
                _cts.Cancel();
            }));
        }
    }

    public CancellationToken Token => _cts.Token;

    public void Dispose()
    {
        foreach (var r in _registrations) r.Dispose();
        _cts.Dispose();
    }
}

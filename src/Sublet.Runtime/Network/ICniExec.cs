using System.Diagnostics;
using System.Text;

namespace Sublet.Runtime.Network;

/// <summary>How a CNI plugin binary is run: environment, configuration on stdin, result on stdout. Tests use a fake.</summary>
public interface ICniExec
{
    /// <summary>Runs <paramref name="binary"/>; throws <see cref="TimeoutException"/> after killing it when it outlives <paramref name="timeout"/>.</summary>
    ProcessResult Run(string binary, IReadOnlyDictionary<string, string> env, string stdin, TimeSpan timeout);
}

/// <summary>A plugin as a child process with Sublet's clean environment plus the CNI variables (CNI spec "Parameters").</summary>
public sealed class ProcessCniExec : ICniExec
{
    public ProcessResult Run(string binary, IReadOnlyDictionary<string, string> env, string stdin, TimeSpan timeout)
    {
        using var process = new Process { StartInfo = ProcessRunner.StartInfo(binary, [], env) };
        process.StartInfo.StandardInputEncoding = new UTF8Encoding(false);
        process.Start();
        var stdout = ProcessRunner.ReadBounded(process.StandardOutput);
        var stderr = ProcessRunner.ReadBounded(process.StandardError);
        process.StandardInput.Write(stdin);
        process.StandardInput.Close();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            throw new TimeoutException($"did not finish within {timeout.TotalSeconds:0} s and was killed");
        }
        process.WaitForExit();
        return new ProcessResult(process.ExitCode, stdout.Result, stderr.Result);
    }
}

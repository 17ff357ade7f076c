namespace Sublet.Runtime.Tests;

/// <summary>An <see cref="IProcessRunner"/> that records every call and answers from a queue (or with success).</summary>
internal sealed class RecordingRunner : IProcessRunner
{
    private readonly Queue<ProcessResult> _answers = new();

    public List<(string File, IReadOnlyList<string> Args)> Calls { get; } = [];

    public RecordingRunner Answer(int exitCode, string stdout = "", string stderr = "")
    {
        _answers.Enqueue(new ProcessResult(exitCode, stdout, stderr));
        return this;
    }

    public ProcessResult Run(string file, IReadOnlyList<string> args, IReadOnlyDictionary<string, string>? env = null, TimeSpan? timeout = null)
    {
        Calls.Add((file, args.ToList()));
        return _answers.Count > 0 ? _answers.Dequeue() : new ProcessResult(0, "", "");
    }
}

namespace Sublet.Runtime.Monitor;

/// <summary>One line of a CRI log file (kubelet pkg/kubelet/kuberuntime/logs parseCRILog).</summary>
public readonly record struct CriLogLine(string Timestamp, string Stream, bool Partial, string Content)
{
    public static bool TryParse(string line, out CriLogLine entry)
    {
        entry = default;
        var a = line.IndexOf(' ');
        var b = a < 0 ? -1 : line.IndexOf(' ', a + 1);
        var c = b < 0 ? -1 : line.IndexOf(' ', b + 1);
        if (c < 0)
        {
            // "TS STREAM F" with empty content has no third space.
            if (b > 0 && line.Length > b + 1)
            {
                entry = new CriLogLine(line[..a], line[(a + 1)..b], line[(b + 1)..] == "P", "");
                return true;
            }
            return false;
        }
        entry = new CriLogLine(line[..a], line[(a + 1)..b], line[(b + 1)..c] == "P", line[(c + 1)..]);
        return true;
    }
}

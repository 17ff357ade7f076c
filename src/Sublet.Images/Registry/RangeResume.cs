using System.Net;
using System.Net.Http.Headers;

namespace Sublet.Images.Registry;

/// <summary>What to do with the answer to a blob GET, given the bytes already kept for it.</summary>
internal enum ResumeStep
{
    /// <summary>The body continues the kept bytes (200 from zero, or 206 starting where they end): append it.</summary>
    Append,

    /// <summary>The body is the whole blob (200 to a Range request): drop the kept bytes, then append it.</summary>
    StartOver,

    /// <summary>No usable body (416, or a 206 for other bytes): drop the kept bytes and ask for the whole blob.</summary>
    RequestWhole,

    /// <summary>An error answer, or a range that says the blob has another size.</summary>
    Fail,
}

/// <summary>
/// The decision of a resumed blob download, pure: a blob with <c>offset</c> bytes kept is asked
/// for with <c>Range: bytes=offset-</c> (RFC 9110 §14.2), and the answer says how to go on.
/// </summary>
internal static class RangeResume
{
    /// <summary>The request's Range header for a download that has <paramref name="offset"/> bytes; none from zero.</summary>
    public static RangeHeaderValue? RequestFor(long offset) => offset > 0 ? new RangeHeaderValue(offset, null) : null;

    /// <param name="offset">Bytes kept (and sent as <c>bytes=offset-</c> when above zero).</param>
    /// <param name="size">The descriptor's size.</param>
    /// <param name="status">The response's status.</param>
    /// <param name="range">Its Content-Range (RFC 9110 §14.4), if any.</param>
    public static ResumeStep Decide(long offset, long size, HttpStatusCode status, ContentRangeHeaderValue? range)
    {
        switch (status)
        {
            case HttpStatusCode.OK:
                // A server may ignore Range (RFC 9110 §14.2): a 200 is the whole representation.
                return offset == 0 ? ResumeStep.Append : ResumeStep.StartOver;
            case HttpStatusCode.PartialContent:
                // §15.3.7: a single-part 206 carries Content-Range "bytes first-last/complete";
                // only one that starts where the kept bytes end continues them.
                if (range is not { HasRange: true, From: { } from } || !string.Equals(range.Unit, "bytes", StringComparison.OrdinalIgnoreCase))
                    return ResumeStep.RequestWhole;
                if (range.HasLength && range.Length != size) return ResumeStep.Fail;
                return from == offset ? ResumeStep.Append : ResumeStep.RequestWhole;
            case HttpStatusCode.RequestedRangeNotSatisfiable:
                // §15.5.17: the kept bytes reach past the end of what the registry has.
                return offset > 0 ? ResumeStep.RequestWhole : ResumeStep.Fail;
            default:
                return ResumeStep.Fail;
        }
    }
}

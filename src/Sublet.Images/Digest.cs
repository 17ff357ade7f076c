using System.Security.Cryptography;
using System.Text.RegularExpressions;

namespace Sublet.Images;

/// <summary>
/// sha256 digests as image-spec descriptor.md writes them (<c>sha256:&lt;64 lowercase hex&gt;</c>).
/// Only sha256 is accepted: it is the only algorithm the spec requires, and a digest is also a
/// file name in the blob store, so it must never carry anything but hex.
/// </summary>
internal static partial class Digest
{
    public const string Prefix = "sha256:";

    [GeneratedRegex("^sha256:[a-f0-9]{64}$")]
    private static partial Regex Sha256();

    public static bool IsValid(string? digest) => digest is not null && Sha256().IsMatch(digest);

    /// <summary>The hex part of a valid digest; throws naming <paramref name="what"/> otherwise.</summary>
    public static string Hex(string? digest, string what) =>
        IsValid(digest) ? digest![Prefix.Length..] : throw new ImageException($"{what}: unsupported or malformed digest \"{digest}\"");

    public static string Of(ReadOnlySpan<byte> data) => Prefix + Convert.ToHexStringLower(SHA256.HashData(data));

    public static string FromHash(IncrementalHash hash) => Prefix + Convert.ToHexStringLower(hash.GetHashAndReset());

    /// <summary>
    /// ChainID (image-spec config.md): ChainID(L0) = DiffID(L0),
    /// ChainID(Ln) = sha256(ChainID(Ln-1) + " " + DiffID(Ln)).
    /// </summary>
    public static IReadOnlyList<string> ChainIds(IReadOnlyList<string> diffIds)
    {
        var chain = new List<string>(diffIds.Count);
        foreach (var diffId in diffIds)
            chain.Add(chain.Count == 0 ? diffId : Of(System.Text.Encoding.ASCII.GetBytes(chain[^1] + " " + diffId)));
        return chain;
    }
}

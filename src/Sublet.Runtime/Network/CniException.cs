namespace Sublet.Runtime.Network;

/// <summary>
/// A pod network that can't be set up or torn down: a configuration file, a missing plugin, or a
/// plugin's error (CNI spec "Error" result: code, msg, details), named with the network and file.
/// </summary>
public sealed class CniException : Exception
{
    public CniException(string message, int? code = null)
        : base(message) => Code = code;

    /// <summary>The plugin's error code (CNI spec "Well-known Error Codes"), when a plugin reported one.</summary>
    public int? Code { get; }
}

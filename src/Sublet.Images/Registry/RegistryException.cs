namespace Sublet.Images.Registry;

/// <summary>
/// A pull that failed: the message names the image, the registry and the cause (never a password
/// or token). <see cref="ImageException"/> so the CLI reports it like any image error.
/// </summary>
public sealed class RegistryException : ImageException
{
    public RegistryException(string message) : base(message) { }

    public RegistryException(string message, Exception inner) : base(message, inner) { }
}

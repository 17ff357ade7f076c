namespace Sublet.Images;

/// <summary>
/// An image that cannot be imported or used: a bad archive, a hostile layer entry, a digest
/// mismatch. The message names the file, blob or entry at fault.
/// </summary>
public class ImageException : Exception
{
    public ImageException(string message) : base(message) { }

    public ImageException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>The reference is not in the store; the message says how to load it.</summary>
public sealed class ImageNotFoundException : ImageException
{
    public ImageNotFoundException(string reference)
        : base($"image \"{reference}\" is not in the store; load it with: sublet image load FILE|DIR")
    {
        Reference = reference;
    }

    public string Reference { get; }
}

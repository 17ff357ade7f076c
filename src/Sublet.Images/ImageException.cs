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

/// <summary>
/// The reference is not in the store (and could not be pulled, when <see cref="Exception.InnerException"/>
/// says why). How to load it is each front end's to say: the CLI names `sublet image load`.
/// </summary>
public sealed class ImageNotFoundException : ImageException
{
    public ImageNotFoundException(string reference, string? message = null, Exception? inner = null)
        : base(message ?? $"image \"{reference}\" is not in the store", inner!)
    {
        Reference = reference;
    }

    public string Reference { get; }
}

/// <summary>
/// Removing the reference would delete an image that containers still use (their root
/// filesystems are overlays of its layers): refused, as containerd and podman refuse it.
/// </summary>
public sealed class ImageInUseException : ImageException
{
    public ImageInUseException(string reference, string imageId, IReadOnlyList<string> users)
        : base($"image \"{reference}\" ({imageId}) is in use by {string.Join(", ", users)}")
    {
        Reference = reference;
        Users = users;
    }

    public string Reference { get; }

    /// <summary>Who uses the image, e.g. <c>container "app" of pod team-a/web</c>.</summary>
    public IReadOnlyList<string> Users { get; }
}

/// <summary>A reference that is not in the grammar of distribution/reference; the message says what is wrong.</summary>
public sealed class InvalidImageReferenceException(string message) : ImageException(message);

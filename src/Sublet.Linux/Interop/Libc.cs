namespace Sublet.Linux.Interop;

/// <summary>
/// P/Invoke declarations. One partial file per call family (dotnet/runtime's Interop.*.cs style);
/// only this assembly may declare them. Callers use the safe wrappers in this project.
/// </summary>
internal static partial class Libc
{
    internal const string Name = "libc";
}

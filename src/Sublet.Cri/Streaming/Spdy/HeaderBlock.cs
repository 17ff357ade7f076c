using System.Buffers.Binary;
using System.Text;
using ICSharpCode.SharpZipLib.Zip.Compression;

namespace Sublet.Cri.Streaming.Spdy;

/// <summary>
/// SPDY/3 name/value header blocks (§2.6.10): a 32-bit count, then per header a 32-bit length
/// and the lower-case name, a 32-bit length and the value; several values of one name are joined
/// by NUL.
/// </summary>
internal static class HeaderBlock
{
    public static byte[] Encode(IReadOnlyList<KeyValuePair<string, string>> headers)
    {
        var output = new MemoryStream();
        var word = new byte[4];
        void Write(ReadOnlySpan<byte> bytes)
        {
            BinaryPrimitives.WriteUInt32BigEndian(word, (uint)bytes.Length);
            output.Write(word);
            output.Write(bytes);
        }
        BinaryPrimitives.WriteUInt32BigEndian(word, (uint)headers.Count);
        output.Write(word);
        foreach (var (name, value) in headers)
        {
            Write(Encoding.UTF8.GetBytes(name.ToLowerInvariant()));
            Write(Encoding.UTF8.GetBytes(value));
        }
        return output.ToArray();
    }

    /// <summary>Names (lower case) to their values; a block that does not add up throws <see cref="SpdyProtocolException"/>.</summary>
    public static Dictionary<string, List<string>> Decode(ReadOnlySpan<byte> block)
    {
        var headers = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        var count = ReadWord(ref block);
        for (var i = 0u; i < count; i++)
        {
            var name = Encoding.UTF8.GetString(ReadBytes(ref block)).ToLowerInvariant();
            var values = Encoding.UTF8.GetString(ReadBytes(ref block));
            if (!headers.TryGetValue(name, out var list))
            {
                headers[name] = list = [];
            }
            list.AddRange(values.Split('\0'));
        }
        return block.IsEmpty ? headers : throw new SpdyProtocolException($"{block.Length} bytes after the last header");
    }

    private static uint ReadWord(ref ReadOnlySpan<byte> block)
    {
        if (block.Length < 4)
        {
            throw new SpdyProtocolException("header block cut short");
        }
        var word = BinaryPrimitives.ReadUInt32BigEndian(block);
        block = block[4..];
        return word;
    }

    private static ReadOnlySpan<byte> ReadBytes(ref ReadOnlySpan<byte> block)
    {
        var length = ReadWord(ref block);
        if (length > (uint)block.Length)
        {
            throw new SpdyProtocolException("header block cut short");
        }
        var bytes = block[..(int)length];
        block = block[(int)length..];
        return bytes;
    }
}

/// <summary>
/// The receiving side of a connection's header compression: one zlib stream per direction for
/// the connection's lifetime, primed with <see cref="SpdyDictionary"/> (§2.6.10.1), each block
/// ending at a sync flush. System.IO.Compression cannot preset a dictionary; SharpZipLib's
/// <see cref="Inflater"/> can.
/// </summary>
internal sealed class HeaderDecompressor
{
    /// <summary>What one header block may inflate to: far more than any client sends.</summary>
    public const int MaxBlock = 256 * 1024;

    private readonly Inflater _inflater = new();

    public byte[] Decompress(ReadOnlySpan<byte> compressed)
    {
        _inflater.SetInput(compressed.ToArray());
        var output = new MemoryStream();
        var buffer = new byte[4096];
        try
        {
            while (true)
            {
                var n = _inflater.Inflate(buffer);
                if (n > 0)
                {
                    output.Write(buffer, 0, n);
                    if (output.Length > MaxBlock)
                    {
                        throw new SpdyProtocolException($"header block inflates to more than {MaxBlock} bytes");
                    }
                    continue;
                }
                if (_inflater.IsNeedingDictionary)
                {
                    _inflater.SetDictionary(SpdyDictionary.Bytes.ToArray());
                    continue;
                }
                if (_inflater.IsNeedingInput || _inflater.IsFinished)
                {
                    return output.ToArray();
                }
                throw new SpdyProtocolException("header block does not inflate");
            }
        }
        catch (ICSharpCode.SharpZipLib.SharpZipBaseException e)
        {
            throw new SpdyProtocolException($"header block does not inflate: {e.Message}");
        }
    }
}

/// <summary>
/// The sending side: a zlib stream (RFC 1950 header 78 01, no FDICT) whose blocks are stored
/// (RFC 1951 §3.2.4, BTYPE 00, never final), each header block ending with an empty stored block
/// as a sync flush ends it. Go's inflater hands over a stored block's bytes only when the next
/// block starts (compress/flate copyData and dataBlock): without the empty block it would read
/// past the frame and stay broken for the connection. Any zlib reader inflates this, with or
/// without the dictionary (Go's zlib.NewReaderDict uses one only when FDICT asks for it); the
/// few bytes compression would save don't matter on a handful of headers per stream.
/// </summary>
internal sealed class HeaderCompressor
{
    private const int MaxStored = 0xffff;
    private bool _started;

    public byte[] Compress(ReadOnlySpan<byte> block)
    {
        var output = new MemoryStream();
        if (!_started)
        {
            output.Write([0x78, 0x01]);
            _started = true;
        }
        while (!block.IsEmpty)
        {
            var chunk = block[..Math.Min(block.Length, MaxStored)];
            Stored(output, chunk);
            block = block[chunk.Length..];
        }
        Stored(output, []);
        return output.ToArray();
    }

    private static void Stored(MemoryStream output, ReadOnlySpan<byte> chunk)
    {
        output.Write([0x00, (byte)chunk.Length, (byte)(chunk.Length >> 8), (byte)~chunk.Length, (byte)(~chunk.Length >> 8)]);
        output.Write(chunk);
    }
}

using System.Buffers.Binary;

namespace Sublet.Cri.Streaming.Spdy;

/// <summary>SPDY/3 control frame types (draft-mbelshe-httpbis-spdy-00 §2.6).</summary>
internal enum FrameType : ushort
{
    SynStream = 1,
    SynReply = 2,
    RstStream = 3,
    Settings = 4,
    Ping = 6,
    GoAway = 7,
    Headers = 8,
    WindowUpdate = 9,
}

/// <summary>A frame as read: a data frame or a control frame with its payload still raw.</summary>
internal abstract record SpdyFrame;

/// <param name="Fin">FLAG_FIN: the sender's last frame on this stream (half-close).</param>
internal sealed record DataFrame(uint StreamId, bool Fin, ReadOnlyMemory<byte> Data) : SpdyFrame;

internal sealed record ControlFrame(FrameType Type, byte Flags, ReadOnlyMemory<byte> Payload) : SpdyFrame
{
    /// <summary>The stream a SYN_STREAM, SYN_REPLY, RST_STREAM, HEADERS or WINDOW_UPDATE frame is about (its first 31 bits).</summary>
    public uint StreamId => Payload.Length >= 4 ? BinaryPrimitives.ReadUInt32BigEndian(Payload.Span) & 0x7fffffff : throw Malformed("no stream id");

    /// <summary>The compressed header block of SYN_STREAM (after stream id, associated id, priority and slot), SYN_REPLY and HEADERS (after the stream id).</summary>
    public ReadOnlyMemory<byte> HeaderBlock => Type switch
    {
        FrameType.SynStream when Payload.Length >= 10 => Payload[10..],
        FrameType.SynReply or FrameType.Headers when Payload.Length >= 4 => Payload[4..],
        _ => throw Malformed($"no header block in a {Type} frame of {Payload.Length} bytes"),
    };

    /// <summary>PING's id, RST_STREAM's and GOAWAY's status: the second word, or PING's only one.</summary>
    public uint Word(int index) => Payload.Length >= 4 * (index + 1)
        ? BinaryPrimitives.ReadUInt32BigEndian(Payload.Span[(4 * index)..])
        : throw Malformed($"{Type} frame of {Payload.Length} bytes");

    private static SpdyProtocolException Malformed(string what) => new($"malformed SPDY frame: {what}");
}

/// <summary>The peer broke the framing; the connection ends.</summary>
internal sealed class SpdyProtocolException(string message) : Exception(message);

/// <summary>
/// SPDY/3 framing (§2.2): every frame has an 8-byte header. Control frames: the control bit,
/// a 15-bit version (3), a 16-bit type, 8 bits of flags and a 24-bit length. Data frames: a
/// clear control bit, a 31-bit stream id, flags and length. All integers are big-endian.
/// </summary>
internal static class SpdyFramer
{
    public const ushort Version = 3;
    public const byte FlagFin = 0x01;
    public const byte FlagUnidirectional = 0x02;
    public const int HeaderLength = 8;

    /// <summary>The 24-bit length field's limit.</summary>
    public const int MaxLength = 0xffffff;

    /// <summary>RST_STREAM status codes (§2.6.3).</summary>
    public const uint ProtocolError = 1;
    public const uint InvalidStream = 2;
    public const uint RefusedStream = 3;

    /// <summary>
    /// Reads one frame; null when the stream ends cleanly between frames. A frame cut short, a
    /// control frame of another version or a length over <paramref name="maxLength"/> throws.
    /// </summary>
    public static async ValueTask<SpdyFrame?> ReadAsync(Stream from, int maxLength, CancellationToken cancel)
    {
        var header = new byte[HeaderLength];
        var got = await ReadFull(from, header, cancel).ConfigureAwait(false);
        if (got == 0)
        {
            return null;
        }
        if (got < HeaderLength)
        {
            throw new SpdyProtocolException("connection ended inside a frame header");
        }
        var first = BinaryPrimitives.ReadUInt32BigEndian(header);
        var flags = header[4];
        var length = (int)(BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(4)) & 0xffffff);
        if (length > maxLength)
        {
            throw new SpdyProtocolException($"frame of {length} bytes, more than the {maxLength} accepted");
        }
        var payload = new byte[length];
        if (await ReadFull(from, payload, cancel).ConfigureAwait(false) < length)
        {
            throw new SpdyProtocolException("connection ended inside a frame");
        }
        if ((first & 0x80000000) == 0)
        {
            return new DataFrame(first, (flags & FlagFin) != 0, payload);
        }
        var version = (first >> 16) & 0x7fff;
        return version == Version
            ? new ControlFrame((FrameType)(first & 0xffff), flags, payload)
            : throw new SpdyProtocolException($"SPDY version {version}, only {Version} is spoken");
    }

    private static async ValueTask<int> ReadFull(Stream from, byte[] buffer, CancellationToken cancel)
    {
        var done = 0;
        while (done < buffer.Length)
        {
            var read = await from.ReadAsync(buffer.AsMemory(done), cancel).ConfigureAwait(false);
            if (read == 0)
            {
                break;
            }
            done += read;
        }
        return done;
    }

    public static byte[] Data(uint streamId, bool fin, ReadOnlySpan<byte> data)
    {
        if (data.Length > MaxLength)
        {
            throw new ArgumentOutOfRangeException(nameof(data), "a data frame holds at most 16 MiB");
        }
        var frame = new byte[HeaderLength + data.Length];
        BinaryPrimitives.WriteUInt32BigEndian(frame, streamId & 0x7fffffff);
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(4), (uint)data.Length);
        frame[4] = fin ? FlagFin : (byte)0;
        data.CopyTo(frame.AsSpan(HeaderLength));
        return frame;
    }

    public static byte[] Control(FrameType type, byte flags, ReadOnlySpan<byte> payload)
    {
        var frame = new byte[HeaderLength + payload.Length];
        BinaryPrimitives.WriteUInt16BigEndian(frame, 0x8000 | Version);
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(2), (ushort)type);
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(4), (uint)payload.Length);
        frame[4] = flags;
        payload.CopyTo(frame.AsSpan(HeaderLength));
        return frame;
    }

    /// <summary>SYN_STREAM (§2.6.1): stream id, associated stream id, priority (3 bits) and slot, then the compressed header block.</summary>
    public static byte[] SynStream(uint streamId, byte flags, ReadOnlySpan<byte> compressedHeaders)
    {
        var payload = new byte[10 + compressedHeaders.Length];
        BinaryPrimitives.WriteUInt32BigEndian(payload, streamId & 0x7fffffff);
        compressedHeaders.CopyTo(payload.AsSpan(10));
        return Control(FrameType.SynStream, flags, payload);
    }

    /// <summary>SYN_REPLY (§2.6.2): stream id, then the compressed header block.</summary>
    public static byte[] SynReply(uint streamId, bool fin, ReadOnlySpan<byte> compressedHeaders)
    {
        var payload = new byte[4 + compressedHeaders.Length];
        BinaryPrimitives.WriteUInt32BigEndian(payload, streamId & 0x7fffffff);
        compressedHeaders.CopyTo(payload.AsSpan(4));
        return Control(FrameType.SynReply, fin ? FlagFin : (byte)0, payload);
    }

    public static byte[] RstStream(uint streamId, uint status) => Words(FrameType.RstStream, streamId & 0x7fffffff, status);

    public static byte[] Ping(uint id) => Words(FrameType.Ping, id);

    /// <summary>GOAWAY (§2.6.6): the last stream id the sender acted on and a status (0 OK).</summary>
    public static byte[] GoAway(uint lastGoodStreamId, uint status = 0) => Words(FrameType.GoAway, lastGoodStreamId & 0x7fffffff, status);

    private static byte[] Words(FrameType type, params ReadOnlySpan<uint> words)
    {
        var payload = new byte[4 * words.Length];
        for (var i = 0; i < words.Length; i++)
        {
            BinaryPrimitives.WriteUInt32BigEndian(payload.AsSpan(4 * i), words[i]);
        }
        return Control(type, 0, payload);
    }
}

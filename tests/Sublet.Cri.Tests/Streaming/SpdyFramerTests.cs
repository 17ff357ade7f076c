using Sublet.Cri.Streaming.Spdy;

namespace Sublet.Cri.Tests.Streaming;

public sealed class SpdyFramerTests
{
    private static SpdyFrame? Read(byte[] bytes, int max = SpdyFramer.MaxLength) =>
        SpdyFramer.ReadAsync(new MemoryStream(bytes), max, CancellationToken.None).AsTask().GetAwaiter().GetResult();

    [Fact]
    public void Data_frames_are_stream_id_flags_length_then_bytes()
    {
        var frame = SpdyFramer.Data(5, fin: true, "hi"u8);
        Assert.Equal("00000005" + "01000002" + "6869", Convert.ToHexStringLower(frame));
        var read = Assert.IsType<DataFrame>(Read(frame));
        Assert.Equal(5u, read.StreamId);
        Assert.True(read.Fin);
        Assert.Equal("hi"u8.ToArray(), read.Data.ToArray());
    }

    [Fact]
    public void Control_frames_carry_version_3_type_flags_and_length()
    {
        Assert.Equal("80030006" + "00000004" + "0000002a", Convert.ToHexStringLower(SpdyFramer.Ping(42)));
        Assert.Equal("80030003" + "00000008" + "00000007" + "00000002", Convert.ToHexStringLower(SpdyFramer.RstStream(7, SpdyFramer.InvalidStream)));
        Assert.Equal("80030007" + "00000008" + "00000009" + "00000000", Convert.ToHexStringLower(SpdyFramer.GoAway(9)));
        Assert.Equal("80030002" + "01000006" + "00000003" + "abcd", Convert.ToHexStringLower(SpdyFramer.SynReply(3, fin: true, [0xab, 0xcd])));
    }

    [Fact]
    public void Syn_stream_round_trips_with_its_header_block()
    {
        var compressed = new HeaderCompressor().Compress(HeaderBlock.Encode([new("streamType", "stdin")]));
        var frame = Assert.IsType<ControlFrame>(Read(SpdyFramer.SynStream(1, SpdyFramer.FlagFin, compressed)));
        Assert.Equal(FrameType.SynStream, frame.Type);
        Assert.Equal(SpdyFramer.FlagFin, frame.Flags);
        Assert.Equal(1u, frame.StreamId);
        Assert.Equal(["stdin"], HeaderBlock.Decode(new HeaderDecompressor().Decompress(frame.HeaderBlock.Span))["streamtype"]);
    }

    [Fact]
    public void Ping_round_trips()
    {
        var frame = Assert.IsType<ControlFrame>(Read(SpdyFramer.Ping(0xdeadbeef)));
        Assert.Equal(FrameType.Ping, frame.Type);
        Assert.Equal(0xdeadbeefu, frame.Word(0));
    }

    [Fact]
    public void A_clean_end_between_frames_is_null()
    {
        Assert.Null(Read([]));
    }

    [Theory]
    [InlineData("800300")]                           // header cut short
    [InlineData("8003000600000004000000")]           // payload cut short
    [InlineData("8002000100000000")]                 // SPDY/2
    public void Broken_frames_throw(string hex)
    {
        Assert.Throws<SpdyProtocolException>(() => Read(Convert.FromHexString(hex)));
    }

    [Fact]
    public void Frames_over_the_limit_throw_before_their_payload_is_read()
    {
        Assert.Throws<SpdyProtocolException>(() => Read(Convert.FromHexString("00000001" + "00100000"), max: 1024));
    }

    [Fact]
    public void Header_block_of_a_frame_too_short_for_one_throws()
    {
        var frame = new ControlFrame(FrameType.SynStream, 0, new byte[6]);
        Assert.Throws<SpdyProtocolException>(() => frame.HeaderBlock);
    }
}

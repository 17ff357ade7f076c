using Sublet.Cri.Streaming.Spdy;

namespace Sublet.Cri.Tests.Streaming;

public sealed class HeaderBlockTests
{
    // Two header blocks as one zlib stream, the way Go's spdy framer writes them: level 9 with the
    // SPDY/3 dictionary, a sync flush after each (made with Python's zlib, zdict = the dictionary
    // bytes of spdy/dictionary.go). The second block only inflates in the first one's context.
    private const string StreamTypeError = "78f9e3c6a7c202a62346703a2b294a4dcc851625aca9a08006000000ffff";
    private const string StreamTypeStdout = "c22a054ccc29f9a52500000000ffff";

    [Fact]
    public void Dictionary_is_spdy3s_1423_bytes()
    {
        Assert.Equal(1423, SpdyDictionary.Bytes.Length);
        Assert.Equal("000000076f7074696f6e73", Convert.ToHexStringLower(SpdyDictionary.Bytes[..11])); // "\0\0\0\x07options"
        Assert.Equal("2c656e713d302e", Convert.ToHexStringLower(SpdyDictionary.Bytes[^7..])); // ",enq=0."
    }

    [Fact]
    public void Inflates_go_compressed_blocks_with_the_dictionary_in_one_context()
    {
        var inflater = new HeaderDecompressor();
        var first = HeaderBlock.Decode(inflater.Decompress(Convert.FromHexString(StreamTypeError)));
        var second = HeaderBlock.Decode(inflater.Decompress(Convert.FromHexString(StreamTypeStdout)));
        Assert.Equal(["error"], first["streamtype"]);
        Assert.Equal(["stdout"], second["streamtype"]);
    }

    [Fact]
    public void Second_block_alone_does_not_inflate()
    {
        Assert.ThrowsAny<Exception>(() => HeaderBlock.Decode(new HeaderDecompressor().Decompress(Convert.FromHexString(StreamTypeStdout))));
    }

    [Fact]
    public void Encodes_the_name_value_block_layout()
    {
        var block = HeaderBlock.Encode([new("Port", "80"), new("streamType", "data")]);
        Assert.Equal("00000002" + "00000004" + "706f7274" + "00000002" + "3830" + "0000000a" + "73747265616d74797065" + "00000004" + "64617461",
            Convert.ToHexStringLower(block));
    }

    [Fact]
    public void Decodes_nul_joined_values_and_lowercases_names()
    {
        var block = HeaderBlock.Encode([new("X-Stream-Protocol-Version", "v4.channel.k8s.io\0v3.channel.k8s.io")]);
        Assert.Equal(["v4.channel.k8s.io", "v3.channel.k8s.io"], HeaderBlock.Decode(block)["x-stream-protocol-version"]);
    }

    [Theory]
    [InlineData("00000001")]
    [InlineData("0000000100000005616263")]
    [InlineData("00000000ff")]
    public void Malformed_blocks_throw(string hex)
    {
        Assert.Throws<SpdyProtocolException>(() => HeaderBlock.Decode(Convert.FromHexString(hex)));
    }

    [Fact]
    public void Compressed_blocks_are_a_zlib_stream_of_stored_blocks()
    {
        var compressor = new HeaderCompressor();
        var block = HeaderBlock.Encode([]);
        // zlib header once, then per block its bytes stored and the sync flush's empty stored block.
        Assert.Equal("7801" + "000400fbff" + "00000000" + "000000ffff", Convert.ToHexStringLower(compressor.Compress(block)));
        Assert.Equal("000400fbff" + "00000000" + "000000ffff", Convert.ToHexStringLower(compressor.Compress(block)));
    }

    [Fact]
    public void Compressed_blocks_round_trip_through_the_inflater()
    {
        var compressor = new HeaderCompressor();
        var inflater = new HeaderDecompressor();
        var big = new string('x', 100_000);
        foreach (var value in (string[])["a", big, "b"])
        {
            var block = HeaderBlock.Encode([new("k", value)]);
            Assert.Equal([value], HeaderBlock.Decode(inflater.Decompress(compressor.Compress(block)))["k"]);
        }
    }

    [Fact]
    public void Compressed_blocks_inflate_with_system_zlib()
    {
        // ZLibStream (zlib-ng) reads the same stream as Go's zlib does: header, then stored blocks.
        var compressor = new HeaderCompressor();
        var block = HeaderBlock.Encode([new("streamtype", "error")]);
        using var zlib = new System.IO.Compression.ZLibStream(new MemoryStream(compressor.Compress(block)), System.IO.Compression.CompressionMode.Decompress);
        var output = new byte[block.Length];
        zlib.ReadExactly(output);
        Assert.Equal(block, output);
    }
}

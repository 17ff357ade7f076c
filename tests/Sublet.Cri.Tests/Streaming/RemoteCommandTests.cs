using System.Text;
using Sublet.Cri.Streaming;

namespace Sublet.Cri.Tests.Streaming;

public sealed class RemoteCommandTests
{
    [Theory]
    [InlineData("v5.channel.k8s.io,v4.channel.k8s.io,v3.channel.k8s.io,v2.channel.k8s.io,channel.k8s.io", "v4.channel.k8s.io")]
    [InlineData("v3.channel.k8s.io,v4.channel.k8s.io", "v3.channel.k8s.io")]
    [InlineData("channel.k8s.io", "channel.k8s.io")]
    [InlineData("v5.channel.k8s.io", null)]
    [InlineData("portforward.k8s.io", null)]
    public void The_clients_first_supported_protocol_wins(string offered, string? chosen)
    {
        Assert.Equal(chosen, RemoteCommand.Negotiate(offered.Split(','), RemoteCommand.Protocols));
    }

    [Fact]
    public void Offers_may_come_as_one_comma_separated_header()
    {
        Assert.Equal("v4.channel.k8s.io", RemoteCommand.Negotiate(["v5.channel.k8s.io, v4.channel.k8s.io"], RemoteCommand.Protocols));
    }

    [Theory]
    [InlineData("v4.channel.k8s.io", true, true, false, true, 4)] // error, stdin, stdout, resize
    [InlineData("v2.channel.k8s.io", true, true, false, true, 3)] // no resize before v3
    [InlineData("v4.channel.k8s.io", false, true, true, false, 3)]
    public void Expected_streams_follow_the_request(string protocol, bool stdin, bool stdout, bool stderr, bool tty, int expected)
    {
        Assert.Equal(expected, RemoteCommand.ExpectedStreams(protocol, stdin, stdout, stderr, tty));
    }

    [Fact]
    public void V4_statuses_are_metav1_status_json()
    {
        Assert.Equal("""{"metadata":{},"status":"Success"}""", Encoding.UTF8.GetString(RemoteCommand.Status(RemoteCommand.V4, 0, null)));
        Assert.Equal("""{"metadata":{},"status":"Failure","message":"command terminated with non-zero exit code: exit status 7","reason":"NonZeroExitCode","details":{"causes":[{"reason":"ExitCode","message":"7"}]}}""",
            Encoding.UTF8.GetString(RemoteCommand.Status(RemoteCommand.V4, 7, null)));
        Assert.Equal("""{"metadata":{},"status":"Failure","message":"Internal error occurred: gone","reason":"InternalError","details":{"causes":[{"message":"gone"}]},"code":500}""",
            Encoding.UTF8.GetString(RemoteCommand.Status(RemoteCommand.V4, null, "gone")));
    }

    [Fact]
    public void Older_protocols_report_errors_as_text_and_success_as_nothing()
    {
        Assert.Empty(RemoteCommand.Status(RemoteCommand.V3, 0, null));
        Assert.Empty(RemoteCommand.Status(RemoteCommand.V1, null, null));
        Assert.Equal("command terminated with non-zero exit code: exit status 2", Encoding.UTF8.GetString(RemoteCommand.Status(RemoteCommand.V2, 2, null)));
        Assert.Equal("gone", Encoding.UTF8.GetString(RemoteCommand.Status(RemoteCommand.V1, null, "gone")));
    }

    [Theory]
    [InlineData("""{"Width":120,"Height":40}""", 120, 40)]
    [InlineData("""{"width":80,"height":24}""", 80, 24)]
    [InlineData("""{"Width":70000,"Height":1}""", 0, 1)]
    public void Sizes_parse_as_client_go_encodes_them(string json, int width, int height)
    {
        Assert.Equal(((ushort)width, (ushort)height), RemoteCommand.ParseSize(Encoding.UTF8.GetBytes(json)));
    }

    [Fact]
    public void A_size_that_is_not_json_is_skipped()
    {
        Assert.Null(RemoteCommand.ParseSize("{oops}"u8));
    }
}

using Grpc.Core;
using Microsoft.Extensions.Logging.Abstractions;
using Sublet.IdMapping;
using Sublet.Images;
using Sublet.Runtime;
using Sublet.Runtime.State;

namespace Sublet.Cri.Tests;

public sealed class CriErrorsTests
{
    public static TheoryData<Exception, StatusCode> Cases => new()
    {
        { new NotFoundException("pod \"x\" not found"), StatusCode.NotFound },
        { new ImageNotFoundException("busybox"), StatusCode.NotFound },
        { new ImageInUseException("busybox", "sha256:ab", ["container \"c\" of pod default/p"]), StatusCode.FailedPrecondition },
        { new InvalidImageReferenceException("invalid image reference \"A\""), StatusCode.InvalidArgument },
        { new IdMappingException("bad range"), StatusCode.InvalidArgument },
        { new ArgumentException("empty"), StatusCode.InvalidArgument },
        { new StateConflictException("busy"), StatusCode.FailedPrecondition },
        { new ImageException("digest mismatch"), StatusCode.Internal },
        { new RuntimeFailure("runc failed"), StatusCode.Internal },
        { new IOException("disk full"), StatusCode.Internal },
        { new TimeoutException("exec timed out"), StatusCode.DeadlineExceeded },
        { new InvalidOperationException("bug"), StatusCode.Unknown },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Each_kind_of_error_has_its_status_code(Exception e, StatusCode code)
    {
        Assert.Equal(code, CriErrors.ToStatus(e).StatusCode);
    }

    [Fact]
    public void A_missing_image_is_named_without_the_cli_advice()
    {
        var status = CriErrors.ToStatus(new ImageNotFoundException("busybox"));

        Assert.Equal("image \"busybox\" not found", status.Detail);
    }

    [Fact]
    public void A_cancelled_call_is_cancelled()
    {
        using var cts = new CancellationTokenSource();
        cts.Cancel();

        Assert.Equal(StatusCode.Cancelled, CriErrors.ToStatus(new OperationCanceledException(), cts.Token).StatusCode);
    }

    [Fact]
    public async Task The_interceptor_turns_exceptions_into_rpc_statuses_and_passes_rpc_exceptions_through()
    {
        var interceptor = new ErrorInterceptor(NullLogger<ErrorInterceptor>.Instance);
        var call = new FakeCallContext();

        var mapped = await Assert.ThrowsAsync<RpcException>(() =>
            interceptor.UnaryServerHandler<string, string>("x", call, (_, _) => throw new NotFoundException("container \"c\" not found")));
        var passed = await Assert.ThrowsAsync<RpcException>(() =>
            interceptor.UnaryServerHandler<string, string>("x", call, (_, _) => throw new RpcException(new Status(StatusCode.Unimplemented, "later"))));
        var ok = await interceptor.UnaryServerHandler<string, string>("x", call, (r, _) => Task.FromResult(r + "!"));

        Assert.Equal((StatusCode.NotFound, "container \"c\" not found"), (mapped.StatusCode, mapped.Status.Detail));
        Assert.Equal(StatusCode.Unimplemented, passed.StatusCode);
        Assert.Equal("x!", ok);
    }
}

using Sublet.Cri.Api;
using Sublet.Runtime;
using Sublet.Runtime.Sandboxes;

namespace Sublet.Cri.Tests.Streaming;

/// <summary>Exec, Attach and PortForward validate as the kubelet's streaming library does and answer with single-use URLs.</summary>
public sealed class StreamingRpcTests
{
    private readonly FakeCallContext _call = new();
    private readonly FakeSandboxRuntime _core = new();
    private readonly Runtime.CriRuntimeService _service;
    private readonly string _sandbox;
    private readonly string _container;

    public StreamingRpcTests()
    {
        _service = Services.Runtime(UserNamespaceSupport.Yes, _core);
        _sandbox = _service.RunPodSandbox(new RunPodSandboxRequest { Config = new PodSandboxConfig { Metadata = new PodSandboxMetadata { Name = "p", Namespace = "n", Uid = "u" } } }, _call).Result.PodSandboxId;
        _container = _service.CreateContainer(new CreateContainerRequest
        {
            PodSandboxId = _sandbox,
            Config = new Api.ContainerConfig { Metadata = new ContainerMetadata { Name = "c" }, Image = new ImageSpec { Image = "busybox" } },
        }, _call).Result.ContainerId;
    }

    [Fact]
    public async Task Exec_attach_and_port_forward_answer_urls_of_one_server()
    {
        _core.StartContainer(_container);
        var exec = new Uri((await _service.Exec(new Api.ExecRequest { ContainerId = _container[..8], Cmd = { "sh" }, Stdout = true }, _call)).Url);
        var attach = new Uri((await _service.Attach(new Api.AttachRequest { ContainerId = _container, Stdin = true, Stdout = true }, _call)).Url);
        var forward = new Uri((await _service.PortForward(new Api.PortForwardRequest { PodSandboxId = _sandbox, Port = { 80 } }, _call)).Url);
        Assert.Equal("127.0.0.1", exec.Host);
        Assert.Equal(exec.Port, attach.Port);
        Assert.Equal(exec.Port, forward.Port);
        Assert.StartsWith("/exec/", exec.AbsolutePath, StringComparison.Ordinal);
        Assert.StartsWith("/attach/", attach.AbsolutePath, StringComparison.Ordinal);
        Assert.StartsWith("/portforward/", forward.AbsolutePath, StringComparison.Ordinal);
        Assert.NotEqual(exec.AbsolutePath[6..], attach.AbsolutePath[8..]);
    }

    [Theory]
    [InlineData("", false, true, false, false, "missing required container_id")]
    [InlineData("C", false, false, true, true, "tty and stderr cannot both be true")]
    [InlineData("C", false, false, false, false, "one of stdin, stdout, or stderr must be set")]
    public async Task Bad_requests_are_invalid(string id, bool stdin, bool stdout, bool stderr, bool tty, string message)
    {
        _core.StartContainer(_container);
        id = id == "C" ? _container : id;
        var exec = await Assert.ThrowsAsync<RuntimeError>(() => _service.Exec(new Api.ExecRequest { ContainerId = id, Cmd = { "sh" }, Stdin = stdin, Stdout = stdout, Stderr = stderr, Tty = tty }, _call));
        var attach = await Assert.ThrowsAsync<RuntimeError>(() => _service.Attach(new Api.AttachRequest { ContainerId = id, Stdin = stdin, Stdout = stdout, Stderr = stderr, Tty = tty }, _call));
        Assert.Equal((ErrorKind.InvalidArgument, message), (exec.Kind, exec.Message));
        Assert.Equal((ErrorKind.InvalidArgument, message), (attach.Kind, attach.Message));
    }

    [Fact]
    public async Task An_empty_command_is_invalid()
    {
        _core.StartContainer(_container);
        var error = await Assert.ThrowsAsync<RuntimeError>(() => _service.Exec(new Api.ExecRequest { ContainerId = _container, Stdout = true }, _call));
        Assert.Equal(ErrorKind.InvalidArgument, error.Kind);
    }

    [Fact]
    public async Task A_container_that_does_not_run_gets_no_url()
    {
        var error = await Assert.ThrowsAsync<RuntimeError>(() => _service.Exec(new Api.ExecRequest { ContainerId = _container, Cmd = { "sh" }, Stdout = true }, _call));
        Assert.Equal(ErrorKind.FailedPrecondition, error.Kind);
        Assert.Contains("CREATED", error.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<RuntimeError>(() => _service.Attach(new Api.AttachRequest { ContainerId = "nosuch", Stdout = true }, _call));
    }

    [Fact]
    public async Task Port_forward_needs_a_ready_sandbox()
    {
        var missing = await Assert.ThrowsAsync<RuntimeError>(() => _service.PortForward(new Api.PortForwardRequest(), _call));
        Assert.Equal((ErrorKind.InvalidArgument, "missing required pod_sandbox_id"), (missing.Kind, missing.Message));
        _core.StopSandbox(_sandbox);
        var stopped = await Assert.ThrowsAsync<RuntimeError>(() => _service.PortForward(new Api.PortForwardRequest { PodSandboxId = _sandbox }, _call));
        Assert.Equal(ErrorKind.FailedPrecondition, stopped.Kind);
    }
}

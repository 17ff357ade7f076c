using Sublet.Cri.Api;
using Sublet.Runtime;
using Sublet.Runtime.Sandboxes;

namespace Sublet.Cri.Tests;

/// <summary>UpdatePodSandboxResources is a notice (the kubelet sized the pod cgroup itself): OK for a CRI sandbox, NotFound otherwise, nothing else called.</summary>
public sealed class UpdatePodSandboxResourcesTests
{
    private readonly FakeCallContext _call = new();
    private readonly FakeSandboxRuntime _core = new();

    private Runtime.CriRuntimeService Service => Services.Runtime(UserNamespaceSupport.Yes, _core);

    private static UpdatePodSandboxResourcesRequest Resize(string id) => new()
    {
        PodSandboxId = id,
        Overhead = new LinuxContainerResources { MemoryLimitInBytes = 64 << 20 },
        Resources = new LinuxContainerResources { CpuQuota = 50_000, CpuPeriod = 100_000, MemoryLimitInBytes = 256 << 20 },
    };

    [Fact]
    public async Task A_live_cri_sandbox_is_acknowledged_and_nothing_is_changed()
    {
        var id = _core.RunSandbox(new SandboxConfig { Name = "web", Namespace = "team", Uid = "u1", Hostname = "web" }).Id;
        _core.Calls.Clear();

        await Service.UpdatePodSandboxResources(Resize(id[..8]), _call);

        Assert.Empty(_core.Calls);
    }

    [Fact]
    public async Task An_unknown_or_play_owned_sandbox_is_not_found()
    {
        var play = _core.RunSandbox(new SandboxConfig { Name = "p", Namespace = "default", Uid = "u2", Hostname = "p", Owner = Owner.Play }).Id;

        var unknown = await Assert.ThrowsAsync<RuntimeError>(() => Service.UpdatePodSandboxResources(Resize("feedface"), _call));
        var owned = await Assert.ThrowsAsync<RuntimeError>(() => Service.UpdatePodSandboxResources(Resize(play), _call));

        Assert.Equal((ErrorKind.NotFound, "sandbox \"feedface\" not found"), (unknown.Kind, unknown.Message));
        Assert.Equal(ErrorKind.NotFound, owned.Kind);
    }
}

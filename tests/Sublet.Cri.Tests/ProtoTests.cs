using Google.Protobuf.Reflection;
using Sublet.Cri.Api;

namespace Sublet.Cri.Tests;

/// <summary>
/// The hand-written api.proto against facts of the upstream file (cri-api v0.34.0): package,
/// services and the field numbers user namespaces and runtime config depend on (wave2.md §1.1).
/// </summary>
public sealed class ProtoTests
{
    [Fact]
    public void Services_have_the_upstream_names_and_methods()
    {
        var file = ApiReflection.Descriptor;
        Assert.Equal("runtime.v1", file.Package);
        Assert.Equal("runtime.v1.RuntimeService", RuntimeService.Descriptor.FullName);
        Assert.Equal("runtime.v1.ImageService", ImageService.Descriptor.FullName);
        Assert.Equal(30, RuntimeService.Descriptor.Methods.Count);
        Assert.Equal(["ListImages", "ImageStatus", "PullImage", "RemoveImage", "ImageFsInfo"], ImageService.Descriptor.Methods.Select(m => m.Name));
        Assert.True(RuntimeService.Descriptor.FindMethodByName("GetContainerEvents").IsServerStreaming);
    }

    [Theory]
    [InlineData("runtime.v1.IDMapping", "host_id", 1)]
    [InlineData("runtime.v1.IDMapping", "container_id", 2)]
    [InlineData("runtime.v1.IDMapping", "length", 3)]
    [InlineData("runtime.v1.UserNamespace", "mode", 1)]
    [InlineData("runtime.v1.UserNamespace", "uids", 2)]
    [InlineData("runtime.v1.UserNamespace", "gids", 3)]
    [InlineData("runtime.v1.NamespaceOption", "userns_options", 5)]
    [InlineData("runtime.v1.Mount", "uidMappings", 6)]
    [InlineData("runtime.v1.Mount", "gidMappings", 7)]
    [InlineData("runtime.v1.Mount", "image_sub_path", 10)]
    [InlineData("runtime.v1.RuntimeHandlerFeatures", "user_namespaces", 2)]
    [InlineData("runtime.v1.StatusResponse", "runtime_handlers", 3)]
    [InlineData("runtime.v1.StatusResponse", "features", 4)]
    [InlineData("runtime.v1.RuntimeConfigResponse", "linux", 1)]
    [InlineData("runtime.v1.ContainerConfig", "stop_signal", 18)]
    [InlineData("runtime.v1.ImageSpec", "user_specified_image", 18)]
    [InlineData("runtime.v1.Image", "uid", 5)]
    [InlineData("runtime.v1.ImageFsInfoResponse", "container_filesystems", 2)]
    [InlineData("runtime.v1.LinuxSandboxSecurityContext", "supplemental_groups_policy", 11)]
    public void Fields_have_the_upstream_numbers(string message, string field, int number)
    {
        var descriptor = (MessageDescriptor)ApiReflection.Descriptor.FindTypeByName<IDescriptor>(message[("runtime.v1.".Length)..]);
        Assert.Equal(number, descriptor.FindFieldByName(field).FieldNumber);
    }

    [Fact]
    public void Namespace_mode_and_cgroup_driver_values_match()
    {
        Assert.Equal([0, 1, 2, 3], new[] { NamespaceMode.Pod, NamespaceMode.Container, NamespaceMode.Node, NamespaceMode.Target }.Select(m => (int)m));
        Assert.Equal(1, (int)CgroupDriver.Cgroupfs);
        Assert.Equal(0, (int)CgroupDriver.Systemd);
    }
}

using Sublet.Kubelet.Plan;
using Sublet.Kubelet.Pods;

namespace Sublet.Runtime.Tests;

/// <summary>The kubelet's pull decision (image_manager.go EnsureImageExists): policy and presence in, action out.</summary>
public sealed class ImagePullsTests
{
    [Theory]
    [InlineData(PullPolicy.Always, true, PullAction.Pull)]
    [InlineData(PullPolicy.Always, false, PullAction.Pull)]
    [InlineData(PullPolicy.IfNotPresent, true, PullAction.UseLocal)]
    [InlineData(PullPolicy.IfNotPresent, false, PullAction.Pull)]
    [InlineData(PullPolicy.Never, true, PullAction.UseLocal)]
    [InlineData(PullPolicy.Never, false, PullAction.Refuse)]
    public void Policy_and_presence_decide(PullPolicy policy, bool present, PullAction action) =>
        Assert.Equal(action, ImagePulls.Decide(policy, present));
}

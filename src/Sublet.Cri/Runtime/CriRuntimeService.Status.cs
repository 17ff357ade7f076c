using System.Text.Json;
using Grpc.Core;
using Sublet.Cri.Api;

namespace Sublet.Cri.Runtime;

public sealed partial class CriRuntimeService
{
    /// <summary>
    /// StatusResponse: the RuntimeReady and NetworkReady conditions (the kubelet keeps the node
    /// NotReady while NetworkReady is false), the default runtime handler with its features
    /// (KEP-127: the kubelet sends userns_options only to a handler whose
    /// <c>features.user_namespaces</c> is true; critest's UserNamespaces specs skip otherwise), and
    /// with <c>verbose</c> the configuration critest reads (<c>info["config"].stateDir</c>, wave2.md §2.1).
    /// </summary>
    public override Task<StatusResponse> Status(StatusRequest request, ServerCallContext context)
    {
        var userNamespaces = _features.UserNamespaces;
        var network = _runtime.NetworkReadiness();
        var response = new StatusResponse
        {
            Status = new RuntimeStatus
            {
                Conditions =
                {
                    new RuntimeCondition { Type = "RuntimeReady", Status = true },
                    // False, with the loader's error, while no network configuration loads, as containerd
                    // reports it (internal/cri/server/status.go); the kubelet keeps the node NotReady then.
                    new RuntimeCondition { Type = "NetworkReady", Status = network.Ready, Reason = network.Reason, Message = network.Message },
                },
            },
            RuntimeHandlers =
            {
                new RuntimeHandler
                {
                    Name = "", // the default handler (RuntimeHandler.name)
                    Features = new RuntimeHandlerFeatures
                    {
                        UserNamespaces = userNamespaces.Supported,
                        // runc 1.1 can't make recursive read-only mounts: never claimed.
                        RecursiveReadOnlyMounts = false,
                    },
                },
            },
            // KEP-3619: Strict and Merge are honoured and ContainerStatus.user reports the groups.
            Features = new RuntimeFeatures { SupplementalGroupsPolicy = true },
        };
        if (request.Verbose)
        {
            response.Info.Add("config", JsonSerializer.Serialize(new StatusConfig(
                _settings.StateRoot, _settings.RunRoot, _settings.ImagesRoot, _settings.OciRuntime, "cgroupfs", _settings.Socket,
                new UserNamespaceConfig(userNamespaces.Supported, userNamespaces.Problems)), CriJson.Default.StatusConfig));
        }
        return Task.FromResult(response);
    }
}

/// <summary>info["config"] of a verbose Status: camelCase JSON, as containerd's (critest reads <c>stateDir</c>).</summary>
internal sealed record StatusConfig(
    string StateDir, string RunDir, string ImageDir, string OciRuntime, string CgroupDriver, string Socket, UserNamespaceConfig UserNamespaces);

internal sealed record UserNamespaceConfig(bool Supported, IReadOnlyList<string> Problems);

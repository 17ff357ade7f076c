namespace Sublet.Integration.Tests;

/// <summary><c>sublet check</c> and the same checks in front of <c>play</c>: validation, Pod Security admission, configuration.</summary>
public sealed class CheckTests
{
    private const string Hardened = "{runAsUser: 0, allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}, seccompProfile: {type: RuntimeDefault}}";

    private static readonly string Restricted = $$"""
        apiVersion: v1
        kind: Namespace
        metadata:
          name: team
          labels: {pod-security.kubernetes.io/enforce: restricted}
        ---
        apiVersion: v1
        kind: Pod
        metadata: {name: root-host, namespace: team}
        spec:
          containers:
          - {name: c, image: localhost/busybox:demo, securityContext: {{Hardened}}}
        ---
        apiVersion: v1
        kind: Pod
        metadata: {name: root-userns, namespace: team}
        spec:
          hostUsers: false
          containers:
          - {name: c, image: localhost/busybox:demo, securityContext: {{Hardened}}}
        """;

    [Fact]
    public void CheckReportsTheRestrictedVerdictsWithoutTouchingTheStateDirectory()
    {
        using var env = new SubletEnv();
        var result = env.Run("check", env.WriteManifest(Restricted));

        Assert.True(result.ExitCode == 1, result.ToString());
        var lines = result.Stdout.TrimEnd().Split('\n');
        Assert.Matches("^LEVEL +OBJECT +FIELD +MESSAGE$", lines[0]);
        Assert.Contains(lines, l => l.StartsWith("error") && l.Contains("pod/team/root-host") && l.Contains("runAsUser=0 (container \"c\" must not set runAsUser=0)"));
        Assert.DoesNotContain(lines, l => l.Contains("root-userns"));
        Assert.False(Directory.Exists(env.StateRoot));
        Assert.False(Directory.Exists(env.RunRoot));
    }

    [Fact]
    public void CheckJsonSaysWhichPodsWouldBeAdmitted()
    {
        using var env = new SubletEnv();
        var result = env.Run("check", "-o", "json", env.WriteManifest(Restricted));
        using var json = System.Text.Json.JsonDocument.Parse(result.Stdout);
        var pods = json.RootElement.GetProperty("pods").EnumerateArray().ToDictionary(p => p.GetProperty("name").GetString()!, p => p.GetProperty("allowed").GetBoolean());
        Assert.Equal(new Dictionary<string, bool> { ["root-host"] = false, ["root-userns"] = true }, pods);
        Assert.Equal(1, result.ExitCode);
    }

    [Fact]
    public void CheckListsEveryValidationError()
    {
        using var env = new SubletEnv();
        var result = env.Run("check", env.WriteManifest("""
            apiVersion: v1
            kind: Pod
            metadata: {name: bad}
            spec:
              hostUsers: false
              hostPID: true
              restartPolicy: Sometimes
              containers:
              - {name: A, image: img}
            """));
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("spec.containers[0].name", result.Stdout);
        Assert.Contains("spec.restartPolicy", result.Stdout);
        Assert.Contains("Forbidden: when `hostUsers` is false", result.Stdout);
    }

    [Fact]
    public void AnAcceptablePodHasNoFindings()
    {
        using var env = new SubletEnv();
        var result = env.Run("check", env.WriteManifest("apiVersion: v1\nkind: Pod\nmetadata: {name: ok}\nspec:\n  hostUsers: false\n  containers:\n  - {name: c, image: img}\n"));
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("1 pod, no findings", result.Stdout);
    }

    [Fact]
    public void PlayRefusesWithTheApiServersMessageAndStartsNothing()
    {
        using var env = new SubletEnv();
        env.LoadDemoImage();
        var result = env.Run("play", env.WriteManifest(Restricted));
        Assert.Equal(1, result.ExitCode);
        Assert.Equal("Error: pods \"root-host\" is forbidden: violates PodSecurity \"restricted:latest\": runAsNonRoot != true (pod or container \"c\" must set securityContext.runAsNonRoot=true), runAsUser=0 (container \"c\" must not set runAsUser=0)\n",
            result.Stderr);
        env.AssertNoLeftovers();
    }

    [Fact]
    public void NamespaceLabelsAppliedEarlierAreEnforcedByCheckAndPlay()
    {
        using var env = new SubletEnv();
        env.LoadDemoImage();
        var ns = env.Ok("apply", env.WriteManifest("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: locked\n  labels: {pod-security.kubernetes.io/enforce: baseline}\n", "ns.yaml"));
        Assert.Equal("namespace/locked created\n", ns.Stdout);
        var pod = env.WriteManifest("apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: locked}\nspec:\n  containers:\n  - {name: c, image: localhost/busybox:demo, securityContext: {privileged: true}}\n");
        const string refusal = "pods \"p\" is forbidden: violates PodSecurity \"baseline:latest\": privileged (container \"c\" must not set securityContext.privileged=true)";
        var check = env.Run("check", pod);
        Assert.Equal(1, check.ExitCode);
        Assert.Contains("violates PodSecurity \"baseline:latest\": privileged", check.Stdout);
        var play = env.Run("play", pod);
        Assert.Equal(1, play.ExitCode);
        Assert.Equal($"Error: {refusal}\n", play.Stderr);
        env.AssertNoLeftovers();
    }

    [Fact]
    public void PlayWarnsAndAuditsAsConfigured()
    {
        using var env = new SubletEnv("podSecurity:\n  defaults: {warn: restricted, audit: restricted}\n  auditLog: AUDIT".Replace("AUDIT", "/tmp/sublet-it-audit-" + Guid.NewGuid().ToString("N")));
        env.LoadDemoImage();
        var log = File.ReadAllText(env.ConfigPath).Split("auditLog: ")[1].Trim();
        var result = env.Run("play", "--wait", env.WriteManifest("apiVersion: v1\nkind: Pod\nmetadata: {name: w}\nspec:\n  hostUsers: false\n  restartPolicy: Never\n  containers:\n  - {name: c, image: localhost/busybox:demo, command: [\"true\"]}\n"));
        try
        {
            Assert.True(result.ExitCode == 0, result.ToString());
            Assert.Contains("Warning: would violate PodSecurity \"restricted:latest\": allowPrivilegeEscalation != false (container \"c\" must set securityContext.allowPrivilegeEscalation=false)", result.Stderr);
            Assert.Contains("\"pod\":\"w\"", File.ReadAllText(log));
        }
        finally
        {
            File.Delete(log);
        }
    }

    [Fact]
    public void AConfigurationWithFiveMistakesListsAllFive()
    {
        using var env = new SubletEnv("maxPods: 0\nociRuntime: {name: docker}\nfeatureGates: {UserNamespacesSupport: false, Nope: true}\npodSecurity: {defaults: {enforce: strict}}");
        var result = env.Run("check", env.WriteManifest("apiVersion: v1\nkind: Pod\nmetadata: {name: ok}\nspec:\n  containers:\n  - {name: c, image: img}\n"));
        Assert.Equal(1, result.ExitCode);
        foreach (var expected in new[] { "maxPods: Invalid value: 0", "ociRuntime.name: Unsupported value: \"docker\"", "cannot set feature gate UserNamespacesSupport to false, feature is locked to true", "unrecognized feature gate: Nope", "podSecurity.defaults.enforce: Unsupported value: \"strict\"" })
        {
            Assert.Contains(expected, result.Stderr);
        }
    }
}

using System.Text.RegularExpressions;

namespace Sublet.Integration.Tests;

/// <summary>configMap, secret, downwardAPI and projected volumes, and <c>sublet apply</c> (issue 14 item 1).</summary>
public sealed partial class ProjectedVolumeTests
{
    private static string ConfigMap(int version) => $"""
        apiVersion: v1
        kind: ConfigMap
        metadata: {"{name: app}"}
        data: {"{"}a: "v{version}", b: "v{version}"{"}"}
        """;

    // The reader resolves ..data once (cd) and reads both keys there: the kubelet's guarantee is
    // per resolution of ..data. A version removed under it makes cat fail, and that round is dropped.
    private const string Reader = """
        apiVersion: v1
        kind: Pod
        metadata: {name: reader}
        spec:
          hostUsers: false
          terminationGracePeriodSeconds: 1
          volumes:
            - {name: cfg, configMap: {name: app}}
          containers:
            - name: c
              image: localhost/busybox:demo
              command: [sh, -c, "while :; do if cd /cfg/..data 2>/dev/null && pair=$(cat a && echo && cat b) 2>/dev/null; then echo pair $pair; fi; cd /; usleep 1000; done"]
              volumeMounts:
                - {name: cfg, mountPath: /cfg}
        """;

    [Fact]
    public void ApplyRepublishesAConfigMapAtomicallyIntoARunningUserNamespacedPod()
    {
        using var env = new SubletEnv();
        env.LoadDemoImage();
        env.Ok("play", env.WriteManifest(ConfigMap(0) + "\n---\n" + Reader));
        var pod = env.Json("ps")[0];
        var podId = pod.GetProperty("id").GetString()!;
        var start = pod.GetProperty("userNamespace").GetProperty("hostIdStart").GetInt64();
        var pid = pod.GetProperty("containers")[0].GetProperty("pid").GetInt32();

        const int Updates = 6;
        for (var version = 1; version <= Updates; version++)
        {
            WaitForLog(env, $"pair v{version - 1} v{version - 1}");
            var applied = env.Ok("apply", env.WriteManifest(ConfigMap(version), "cm.yaml"));
            Assert.Equal("configmap/app configured", applied.Stdout.Trim());
        }
        WaitForLog(env, $"pair v{Updates} v{Updates}");
        Assert.Equal("configmap/app unchanged", env.Ok("apply", env.WriteManifest(ConfigMap(Updates), "cm.yaml")).Stdout.Trim());

        // Root inside sees the files as its own; on the host they are 0:0; the reader runs in the pod's range.
        Assert.Equal("0:0 644", env.Ok("exec", "reader", "--", "stat", "-L", "-c", "%u:%g %a", "/cfg/a").Stdout.Trim());
        var onHost = Path.Combine(env.StateRoot, "pods", podId, "volumes", "cfg", "..data", "a");
        Assert.Equal("0:0 644", Host.Run("stat", "-L", "-c", "%u:%g %a", onHost).Stdout.Trim());
        Assert.Equal($"Uid:\t{start}\t{start}\t{start}\t{start}", File.ReadAllLines($"/proc/{pid}/status").Single(l => l.StartsWith("Uid:", StringComparison.Ordinal)));
        Assert.Contains("Read-only file system", env.Run("exec", "reader", "--", "sh", "-c", "echo x > /cfg/..data/a").Stderr);

        var pairs = Pair().Matches(env.Ok("logs", "reader").Stdout).Select(m => (A: m.Groups[1].Value, B: m.Groups[2].Value)).ToList();
        Assert.All(pairs, p => Assert.True(p.A == p.B, $"the reader saw a mix: a={p.A} b={p.B}"));
        Assert.Equal(Updates + 1, pairs.Select(p => p.A).Distinct().Count());

        env.Ok("down", "reader");
        env.AssertNoLeftovers();
    }

    private static string AllKinds(string name, bool hostUsers) => $$$"""
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: app}
        data: {greeting: hello}
        ---
        apiVersion: v1
        kind: Secret
        metadata: {name: creds}
        data: {password: aHVudGVyMg==}
        ---
        apiVersion: v1
        kind: Pod
        metadata: {name: {{{name}}}, labels: {tier: web}}
        spec:
          hostUsers: {{{(hostUsers ? "true" : "false")}}}
          restartPolicy: Never
          volumes:
            - {name: cfg, configMap: {name: app}}
            - {name: sec, secret: {secretName: creds, defaultMode: 0400}}
            - name: meta
              downwardAPI: {items: [{path: labels, fieldRef: {fieldPath: metadata.labels}}, {path: mem, resourceFieldRef: {containerName: c, resource: limits.memory, divisor: 1Mi}}]}
            - name: all
              projected:
                sources:
                  - configMap: {name: app, items: [{key: greeting, path: conf/greeting}]}
                  - secret: {name: creds}
                  - downwardAPI: {items: [{path: name, fieldRef: {fieldPath: metadata.name}}]}
          containers:
            - name: c
              image: localhost/busybox:demo
              resources: {limits: {memory: 64Mi}}
              command: [sh, -c, "for f in /cfg/greeting /sec/password /meta/labels /meta/mem /all/conf/greeting /all/password /all/name; do echo $f $(stat -L -c '%u:%g %a' $f) $(cat $f); done; for d in /cfg /sec /meta /all; do echo $d $(stat -f -c %T $d); done; (echo x > /sec/x) 2>/dev/null || echo sec-read-only"]
              volumeMounts:
                - {name: cfg, mountPath: /cfg}
                - {name: sec, mountPath: /sec}
                - {name: meta, mountPath: /meta}
                - {name: all, mountPath: /all}
        """;

    [Fact]
    public void EveryKindInOneUserNamespacedPodLooksAsWithoutAUserNamespace()
    {
        using var env = new SubletEnv();
        env.LoadDemoImage();
        var userns = env.Run("play", "--wait", env.WriteManifest(AllKinds("inside", hostUsers: false), "a.yaml"));
        Assert.True(userns.ExitCode == 0, userns.ToString());
        string[] expected =
        [
            "/cfg/greeting 0:0 644 hello",
            "/sec/password 0:0 400 hunter2",
            "/meta/labels 0:0 644 tier=\"web\"",
            "/meta/mem 0:0 644 64",
            "/all/conf/greeting 0:0 644 hello",
            "/all/password 0:0 644 hunter2",
            "/all/name 0:0 644 inside",
            "/sec tmpfs",
            "/meta tmpfs",
            "/all tmpfs",
            "sec-read-only",
        ];
        foreach (var line in expected)
        {
            Assert.Contains(line + "\n", userns.Stdout);
        }
        Assert.DoesNotContain("/cfg tmpfs", userns.Stdout); // configMaps are on disk, like the kubelet's

        var host = env.Run("play", "--wait", env.WriteManifest(AllKinds("outside", hostUsers: true), "b.yaml"));
        Assert.True(host.ExitCode == 0, host.ToString());
        Assert.Equal(userns.Stdout.Replace("inside", "outside", StringComparison.Ordinal), host.Stdout);
        env.AssertNoLeftovers();
    }

    [Fact]
    public void AMissingConfigMapOrKeyFailsBeforeAnythingStarts()
    {
        using var env = new SubletEnv();
        env.LoadDemoImage();
        var missing = env.Run("play", env.WriteManifest(Reader));
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("Error: volume \"cfg\": spec.volumes[0].configMap: configmaps \"app\" not found", missing.Stderr);

        var noKey = env.Run("play", env.WriteManifest(ConfigMap(0) + "\n---\n" + Reader.Replace("configMap: {name: app}", "configMap: {name: app, items: [{key: c, path: c}]}", StringComparison.Ordinal)));
        Assert.Equal(1, noKey.ExitCode);
        Assert.Contains("Error: volume \"cfg\": spec.volumes[0].configMap: configmap references non-existent config key: c", noKey.Stderr);
        Assert.Empty(env.Json("ids").EnumerateArray());
        env.AssertNoLeftovers();
    }

    [Fact]
    public void ApplyRefusesPods()
    {
        using var env = new SubletEnv();
        var result = env.Run("apply", env.WriteManifest(Reader));
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("apply stores ConfigMap, Secret and Namespace objects; it does not run pods (pod/reader): use sublet play", result.Stderr);
    }

    private static void WaitForLog(SubletEnv env, string line)
    {
        var deadline = DateTime.UtcNow.AddMinutes(1);
        while (!env.Ok("logs", "reader").Stdout.Contains(line + "\n", StringComparison.Ordinal))
        {
            Assert.True(DateTime.UtcNow < deadline, $"the reader never printed \"{line}\"");
            Thread.Sleep(100);
        }
    }

    [GeneratedRegex(@"^pair (\S+) (\S+)$", RegexOptions.Multiline)]
    private static partial Regex Pair();
}

namespace Sublet.Integration.Tests;

/// <summary>Env from ConfigMaps, Secrets and the downward API, with $(VAR) expansion, in a real pod.</summary>
public sealed class EnvTests
{
    private const string Manifest = """
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: settings}
        data: {MODE: fast, LEVEL: "3"}
        ---
        apiVersion: v1
        kind: Secret
        metadata: {name: creds}
        stringData: {PASSWORD: hunter2}
        ---
        apiVersion: v1
        kind: Pod
        metadata:
          name: envy
          labels: {app: envy}
        spec:
          hostUsers: false
          restartPolicy: Never
          containers:
            - name: c
              image: localhost/busybox:demo
              command: [sh, -c, 'echo "cmd=$(POD_NAME)"; env | sort | grep -E "^(MODE|LEVEL|S_|POD_|APP|MEM|GREETING)"']
              resources: {limits: {memory: 64Mi}}
              envFrom:
                - configMapRef: {name: settings}
                - {prefix: S_, secretRef: {name: creds}}
              env:
                - {name: POD_NAME, valueFrom: {fieldRef: {fieldPath: metadata.name}}}
                - {name: APP, valueFrom: {fieldRef: {fieldPath: "metadata.labels['app']"}}}
                - {name: MEM, valueFrom: {resourceFieldRef: {resource: limits.memory, divisor: 1Mi}}}
                - {name: GREETING, value: "hi $(POD_NAME) in $(MODE) mode"}
        """;

    [Fact]
    public void EnvComesFromConfigMapsSecretsAndTheDownwardApi()
    {
        using var env = new SubletEnv();
        env.LoadDemoImage();
        var result = env.Run("play", "--wait", env.WriteManifest(Manifest));
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("cmd=envy", result.Stdout);
        foreach (var line in new[] { "APP=envy", "GREETING=hi envy in fast mode", "LEVEL=3", "MEM=64", "MODE=fast", "POD_NAME=envy", "S_PASSWORD=hunter2" })
        {
            Assert.Contains(line + "\n", result.Stdout);
        }
        env.AssertNoLeftovers();
    }

    [Fact]
    public void AMissingConfigMapKeyStopsThePodBeforeAnythingStarts()
    {
        using var env = new SubletEnv();
        env.LoadDemoImage();
        var result = env.Run("play", env.WriteManifest("""
            apiVersion: v1
            kind: Pod
            metadata: {name: lacking}
            spec:
              hostUsers: false
              containers:
                - name: c
                  image: localhost/busybox:demo
                  env:
                    - name: X
                      valueFrom: {configMapKeyRef: {name: absent, key: k}}
            """));
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("spec.containers[0].env[0].valueFrom.configMapKeyRef: configmaps \"absent\" not found", result.Stderr);
        Assert.Empty(env.Ok("ps").Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1));
        env.AssertNoLeftovers();
    }
}

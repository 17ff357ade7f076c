using Sublet.Kubernetes.Manifests;
using Sublet.Kubelet.Plan;
using static Sublet.Kubernetes.Tests.Yaml;

namespace Sublet.Kubernetes.Tests;

public sealed class PodTranslatorTests
{
    [Theory]
    [InlineData("", true)]
    [InlineData("hostUsers: true", true)]
    [InlineData("hostUsers: false", false)]
    public void HostUsers_defaults_to_the_host_namespace(string spec, bool hostUsers) =>
        Assert.Equal(hostUsers, Translate(Pod(spec: spec)).HostUsers);

    [Theory]
    [InlineData("", RestartPolicy.Always)]
    [InlineData("restartPolicy: Always", RestartPolicy.Always)]
    [InlineData("restartPolicy: OnFailure", RestartPolicy.OnFailure)]
    [InlineData("restartPolicy: Never", RestartPolicy.Never)]
    public void RestartPolicy_is_read(string spec, RestartPolicy policy) =>
        Assert.Equal(policy, Translate(Pod(spec: spec)).RestartPolicy);

    [Fact]
    public void Pod_fields_are_carried_into_the_plan()
    {
        var plan = Translate("""
            apiVersion: v1
            kind: Pod
            metadata:
              name: web
              namespace: team
              uid: 11111111-2222-3333-4444-555555555555
              labels: {app: web}
              annotations: {note: hi}
            spec:
              hostname: host-a
              terminationGracePeriodSeconds: 5
              containers:
              - name: app
                image: localhost/busybox:demo
                imagePullPolicy: Never
                workingDir: /srv
                tty: true
            """);

        Assert.Equal(("web", "team", "11111111-2222-3333-4444-555555555555", "host-a", 5L, "pod.yaml"),
            (plan.Name, plan.Namespace, plan.Uid, plan.Hostname, plan.TerminationGracePeriodSeconds, plan.Source));
        Assert.Equal("web", plan.Labels["app"]);
        Assert.Equal("hi", plan.Annotations["note"]);
        var c = Assert.Single(plan.Containers);
        Assert.Equal(("app", "localhost/busybox:demo", PullPolicy.Never, "/srv", true), (c.Name, c.Image, c.PullPolicy, c.WorkingDir, c.Tty));
    }

    [Fact]
    public void Host_ports_of_app_containers_become_port_mappings_with_tcp_by_default()
    {
        var plan = Translate(Pod(container: """
            ports:
                  - {containerPort: 80, hostPort: 8080}
                  - {containerPort: 53, hostPort: 5353, protocol: UDP, hostIP: 127.0.0.1}
                  - {containerPort: 9090}
            """));
        Assert.Equal([new("TCP", 80, 8080, ""), new("UDP", 53, 5353, "127.0.0.1")], plan.PortMappings);
    }

    [Fact]
    public void Namespace_defaults_to_default_and_uid_is_generated()
    {
        var plan = Translate(Pod());
        Assert.Equal("default", plan.Namespace);
        Assert.True(Guid.TryParse(plan.Uid, out _));
    }

    [Theory]
    [InlineData("", PullPolicy.IfNotPresent)]
    [InlineData("imagePullPolicy: Always", PullPolicy.Always)]
    [InlineData("imagePullPolicy: IfNotPresent", PullPolicy.IfNotPresent)]
    [InlineData("imagePullPolicy: Never", PullPolicy.Never)]
    public void PullPolicy_is_read(string container, PullPolicy policy) =>
        Assert.Equal(policy, Translate(Pod(container: container)).Containers[0].PullPolicy);

    // core/v1 defaults (SetDefaults_Container): Always for ":latest" and for no tag at all, else IfNotPresent.
    [Theory]
    [InlineData("debian", PullPolicy.Always)]
    [InlineData("debian:latest", PullPolicy.Always)]
    [InlineData("127.0.0.1:5000/app", PullPolicy.Always)]
    [InlineData("debian:12", PullPolicy.IfNotPresent)]
    [InlineData("debian@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", PullPolicy.IfNotPresent)]
    [InlineData("debian:latest@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", PullPolicy.Always)]
    public void PullPolicy_defaults_as_kubernetes_does(string image, PullPolicy policy) =>
        Assert.Equal(policy, Translate(Pod().Replace("localhost/busybox:demo", image)).Containers[0].PullPolicy);

    [Fact]
    public void Command_args_and_env_are_carried_in_order()
    {
        var c = Translate(Pod(container: """
            command: ["sh", "-c"]
            args: ["echo $A", "x"]
            env:
            - name: A
              value: b=c
            - name: EMPTY
            """)).Containers[0];

        Assert.Equal(["sh", "-c"], c.Command!);
        Assert.Equal(["echo $A", "x"], c.Args!);
        Assert.Equal([new EnvVar("A", "b=c"), new EnvVar("EMPTY", "")], c.Env);
    }

    [Theory]
    [InlineData("")]
    [InlineData("command: []\nargs: []")]
    public void No_or_empty_command_and_args_leave_the_image_its_own(string container)
    {
        var c = Translate(Pod(container: container)).Containers[0];
        Assert.Null(c.Command);
        Assert.Null(c.Args);
    }

    [Theory]
    [InlineData("", "", null, null)]
    [InlineData("securityContext: {runAsUser: 1000, runAsGroup: 2000}", "", 1000L, 2000L)]
    [InlineData("", "securityContext: {runAsUser: 1001, runAsGroup: 2001}", 1001L, 2001L)]
    [InlineData("securityContext: {runAsUser: 1000, runAsGroup: 2000}", "securityContext: {runAsUser: 1001}", 1001L, 2000L)]
    [InlineData("securityContext: {runAsUser: 1000}", "securityContext: {runAsGroup: 0}", 1000L, 0L)]
    public void RunAs_comes_from_the_container_then_the_pod(string spec, string container, long? uid, long? gid)
    {
        var c = Translate(Pod(spec: spec, container: container)).Containers[0];
        Assert.Equal(uid, c.RunAsUser);
        Assert.Equal(gid, c.RunAsGroup);
    }

    [Theory]
    [InlineData("hostPID: true", "spec.hostPID")]
    [InlineData("volumes: [{name: v, persistentVolumeClaim: {claimName: c}}]", "spec.volumes[0]")]
    public void Unsupported_pod_fields_are_refused_by_path(string field, string path) =>
        Assert.Equal([$"{path}: Unsupported value: sublet does not support this field yet, and will not run the pod without it"],
            Problems(Pod(spec: field)));

    [Theory]
    [InlineData("lifecycle: {postStart: {tcpSocket: {port: 80}}}", "spec.containers[0].lifecycle.postStart.tcpSocket")]
    public void Unsupported_container_fields_are_refused_by_path(string field, string path) =>
        Assert.Equal([$"{path}: Unsupported value: sublet does not support this field yet, and will not run the pod without it"],
            Problems(Pod(container: field)));

    [Fact]
    public void Every_refusal_is_reported_at_once_with_its_path()
    {
        var e = Assert.Throws<PodRejectedException>(() => Translate("""
            apiVersion: v1
            kind: Pod
            metadata:
              name: web
            spec:
              hostUsers: false
              hostPID: true
              volumes: [{name: v, persistentVolumeClaim: {claimName: c}}]
              containers:
              - name: app
                image: img
                restartPolicy: Never
              - name: other
                image: img
                lifecycle: {postStart: {httpGet: {port: 80}}}
            """));

        Assert.StartsWith("The Pod \"web\" is invalid: ", e.Message);
        Assert.Equal(
            [
                "spec.hostPID: Unsupported value: sublet does not support this field yet, and will not run the pod without it",
                "spec.volumes[0]: Unsupported value: sublet does not support this field yet, and will not run the pod without it",
                "spec.containers[0].restartPolicy: Unsupported value: sublet does not support this field yet, and will not run the pod without it",
                "spec.containers[1].lifecycle.postStart.httpGet: Unsupported value: sublet does not support this field yet, and will not run the pod without it",
            ],
            e.Problems);
        Assert.Contains(string.Join("; ", e.Problems), e.Message);
    }

    [Fact]
    public void The_example_manifest_translates_to_a_user_namespaced_pod()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Sublet.slnx")))
        {
            dir = dir.Parent;
        }
        Assert.NotNull(dir);
        var manifest = ManifestReader.ReadFile(Path.Combine(dir.FullName, "examples", "hello-userns.yaml"));

        var plan = PodTranslator.Translate(Assert.Single(manifest.Pods), manifest.Source);

        Assert.False(plan.HostUsers);
        Assert.Equal(RestartPolicy.Never, plan.RestartPolicy);
        Assert.Equal(["sh", "-c"], plan.Containers[0].Command!);
    }
}

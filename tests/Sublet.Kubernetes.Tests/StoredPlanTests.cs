using System.Text.Json;
using Sublet.Kubelet.Plan;
using static Sublet.Kubernetes.Tests.Yaml;

namespace Sublet.Kubernetes.Tests;

/// <summary>
/// A plan is written by the generated fast-path writer and read by generated metadata
/// (StoredPlan): both must agree on every field, or a pod's exit hooks would run a different plan
/// from the one its start ran.
/// </summary>
public sealed class StoredPlanTests
{
    private const string Manifest = """
        apiVersion: v1
        kind: Pod
        metadata:
          name: web
          namespace: team
          uid: 11111111-2222-3333-4444-555555555555
          labels: {app: web}
          annotations: {note: hi}
        spec:
          hostUsers: false
          hostname: host-a
          subdomain: sub
          restartPolicy: OnFailure
          terminationGracePeriodSeconds: 5
          shareProcessNamespace: true
          hostAliases: [{ip: 10.0.0.9, hostnames: [db]}]
          dnsPolicy: None
          dnsConfig: {nameservers: [10.0.0.53], searches: [svc.local], options: [{name: ndots, value: "2"}]}
          securityContext: {fsGroup: 2000, fsGroupChangePolicy: OnRootMismatch, sysctls: [{name: net.ipv4.ping_group_range, value: "0 1"}]}
          volumes:
          - {name: scratch, emptyDir: {medium: Memory, sizeLimit: 64Mi}}
          - {name: host, hostPath: {path: /srv/data, type: Directory}}
          - name: conf
            projected:
              sources:
              - downwardAPI: {items: [{path: labels, fieldRef: {fieldPath: metadata.labels}}]}
          initContainers:
          - {name: setup, image: busybox, command: [sh, -c, "true"]}
          - {name: proxy, image: busybox, restartPolicy: Always}
          containers:
          - name: app
            image: busybox
            command: [sh, -c]
            args: ["echo $(GREETING)"]
            workingDir: /work
            env:
            - {name: GREETING, value: hello}
            - {name: POD, valueFrom: {fieldRef: {fieldPath: metadata.name}}}
            ports: [{containerPort: 8080, hostPort: 18080, protocol: TCP}]
            resources: {requests: {cpu: 100m, memory: 32Mi}, limits: {cpu: 500m, memory: 64Mi}}
            securityContext: {runAsUser: 1000, runAsGroup: 1000, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: {add: [NET_ADMIN], drop: [ALL]}}
            volumeMounts:
            - {name: scratch, mountPath: /scratch}
            - {name: host, mountPath: /data, readOnly: true, subPath: a}
            - {name: conf, mountPath: /etc/conf}
            readinessProbe: {exec: {command: ["true"]}, periodSeconds: 3}
            lifecycle: {preStop: {exec: {command: ["true"]}}}
            terminationMessagePolicy: FallbackToLogsOnError
        """;

    [Fact]
    public void The_writer_writes_what_the_metadata_serializer_writes()
    {
        var plan = Translate(Manifest);
        Assert.Equal(JsonSerializer.Serialize(plan, PlanJson.Default.PodPlan), StoredPlan.Write(plan));
    }

    [Fact]
    public void What_is_written_reads_back_whole_in_a_process_that_did_not_write_it()
    {
        var json = StoredPlan.Write(Translate(Manifest));
        var fresh = JsonSerializer.Deserialize(json, PlanJson.Default.PodPlan)!;
        Assert.Equal(json, StoredPlan.Write(fresh));
    }

    [Fact]
    public void The_process_that_wrote_a_plan_reads_back_that_plan()
    {
        var plan = Translate(Manifest);
        Assert.Same(plan, StoredPlan.Read(StoredPlan.Write(plan)));
    }

    [Fact]
    public void JSON_null_is_an_error_not_a_plan() =>
        Assert.Throws<InvalidDataException>(() => StoredPlan.Read("null"));
}

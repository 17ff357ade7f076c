using static Sublet.Kubernetes.Tests.ValidationCases;

namespace Sublet.Kubernetes.Tests;

/// <summary>Per-source volume fields and volume mounts, each case the API server's complete error list (validation.go ValidateVolumes, ValidateVolumeMounts).</summary>
public class VolumeValidationTests
{
    public static TheoryData<string, string, string[]> Volumes => new()
    {
        // configMap: the name is only required, keys only required, paths local and not reserved, modes 0..0777.
        { "volumes:\n- {name: v, configMap: {name: Not_A_Subdomain, items: [{key: \"a b\", path: x}]}}", "", [] },
        { "volumes:\n- {name: v, configMap: {}}", "", ["spec.volumes[0].configMap.name: Required value"] },
        { "volumes:\n- {name: v, configMap: {name: c, items: [{key: k, path: ../x}]}}", "", ["spec.volumes[0].configMap.items[0].path: Invalid value: \"../x\": must not contain '..'"] },
        { "volumes:\n- {name: v, configMap: {name: c, items: [{key: k, path: a/../../x}]}}", "", ["spec.volumes[0].configMap.items[0].path: Invalid value: \"a/../../x\": must not contain '..'"] },
        { "volumes:\n- {name: v, configMap: {name: c, items: [{key: k, path: ..data}]}}", "", ["spec.volumes[0].configMap.items[0].path: Invalid value: \"..data\": must not start with '..'"] },
        { "volumes:\n- {name: v, configMap: {name: c, items: [{key: k, path: /etc/x}]}}", "", ["spec.volumes[0].configMap.items[0].path: Invalid value: \"/etc/x\": must be a relative path"] },
        { "volumes:\n- {name: v, configMap: {name: c, items: [{path: x}, {key: k}]}}", "",
            ["spec.volumes[0].configMap.items[0].key: Required value", "spec.volumes[0].configMap.items[1].path: Required value"] },
        { "volumes:\n- {name: v, configMap: {name: c, defaultMode: 512, items: [{key: k, path: x, mode: -1}]}}", "",
            ["spec.volumes[0].configMap.defaultMode: Invalid value: 512: must be a number between 0 and 0777 (octal), both inclusive",
             "spec.volumes[0].configMap.items[0].mode: Invalid value: -1: must be a number between 0 and 0777 (octal), both inclusive"] },
        { "volumes:\n- {name: v, configMap: {name: c, defaultMode: 0777}}", "", [] },
        // secret
        { "volumes:\n- {name: v, secret: {defaultMode: 1000}}", "",
            ["spec.volumes[0].secret.secretName: Required value", "spec.volumes[0].secret.defaultMode: Invalid value: 1000: must be a number between 0 and 0777 (octal), both inclusive"] },
        // downwardAPI: item errors are reported at the volume's own path, as upstream does.
        { "volumes:\n- {name: v, downwardAPI: {items: [{path: l, fieldRef: {fieldPath: \"metadata.labels['app']\"}}, {path: n, fieldRef: {fieldPath: metadata.name}}]}}", "", [] },
        { "volumes:\n- {name: v, downwardAPI: {items: [{path: x, fieldRef: {fieldPath: spec.nodeName}}]}}", "",
            ["spec.volumes[0].downwardAPI.fieldRef.fieldPath: Unsupported value: \"spec.nodeName\": supported values: \"metadata.annotations\", \"metadata.labels\", \"metadata.name\", \"metadata.namespace\", \"metadata.uid\""] },
        { "volumes:\n- {name: v, downwardAPI: {items: [{path: x, fieldRef: {fieldPath: spec.nope}}]}}", "",
            ["spec.volumes[0].downwardAPI.fieldRef.fieldPath: Invalid value: \"spec.nope\": error converting fieldPath: field label not supported: spec.nope"] },
        { "volumes:\n- {name: v, downwardAPI: {items: [{path: x, fieldRef: {apiVersion: v2, fieldPath: metadata.name}}]}}", "",
            ["spec.volumes[0].downwardAPI.fieldRef.fieldPath: Invalid value: \"metadata.name\": error converting fieldPath: unsupported pod version: v2"] },
        { "volumes:\n- {name: v, downwardAPI: {items: [{path: x, resourceFieldRef: {resource: limits.cpu}}]}}", "",
            ["spec.volumes[0].downwardAPI.resourceFieldRef.containerName: Required value"] },
        { "volumes:\n- {name: v, downwardAPI: {items: [{path: x, resourceFieldRef: {containerName: app, resource: limits.gpu}}]}}", "",
            ["spec.volumes[0].downwardAPI.resourceFieldRef.resource: Unsupported value: \"limits.gpu\": supported values: \"limits.cpu\", \"limits.ephemeral-storage\", \"limits.memory\", \"requests.cpu\", \"requests.ephemeral-storage\", \"requests.memory\""] },
        { "volumes:\n- {name: v, downwardAPI: {items: [{path: x, resourceFieldRef: {containerName: app, resource: limits.memory, divisor: 3Mi}}]}}", "",
            ["spec.volumes[0].downwardAPI.resourceFieldRef.divisor: Invalid value: \"limits.memory\": only divisor's values 1, 1k, 1M, 1G, 1T, 1P, 1E, 1Ki, 1Mi, 1Gi, 1Ti, 1Pi, 1Ei are supported with the memory resource"] },
        { "volumes:\n- {name: v, downwardAPI: {items: [{path: x, resourceFieldRef: {containerName: app, resource: requests.hugepages-2Mi, divisor: 1Mi}}]}}", "", [] },
        { "volumes:\n- {name: v, downwardAPI: {items: [{path: x}]}}", "", ["spec.volumes[0].downwardAPI: Required value: one of fieldRef and resourceFieldRef is required"] },
        { "volumes:\n- {name: v, downwardAPI: {items: [{path: x, fieldRef: {fieldPath: metadata.uid}, resourceFieldRef: {containerName: app, resource: limits.cpu}}]}}", "",
            ["spec.volumes[0].downwardAPI: Invalid value: \"resource\": fieldRef and resourceFieldRef can not be specified simultaneously"] },
        // projected
        { "volumes:\n- name: v\n  projected:\n    sources:\n    - {configMap: {name: a, items: [{key: k, path: same}]}}\n    - {secret: {name: b, items: [{key: k, path: same}]}}", "",
            ["spec.volumes[0].projected: Invalid value: \"b\": conflicting duplicate paths"] },
        { "volumes:\n- name: v\n  projected:\n    sources:\n    - {configMap: {name: a}, secret: {name: b}}", "",
            ["spec.volumes[0].projected.sources[0]: Forbidden: may not specify more than 1 volume type per source"] },
        { "volumes:\n- name: v\n  projected:\n    sources:\n    - serviceAccountToken: {path: token, expirationSeconds: 60}", "",
            ["spec.volumes[0].projected.sources[0].serviceAccountToken.expirationSeconds: Invalid value: 60: may not specify a duration less than 10 minutes"] },
        { "volumes:\n- name: v\n  projected:\n    sources:\n    - serviceAccountToken: {path: ../token}", "",
            ["spec.volumes[0].projected.path: Invalid value: \"../token\": must not contain '..'"] },
        { "volumes:\n- name: v\n  projected:\n    sources:\n    - serviceAccountToken: {path: token}\n    - {configMap: {}}", "",
            ["spec.volumes[0].projected.sources[1].configMap.name: Required value"] },
        // emptyDir: a negative sizeLimit; the medium is not validated.
        { "volumes:\n- {name: v, emptyDir: {sizeLimit: -1Gi}}", "", ["spec.volumes[0].emptyDir.sizeLimit: Forbidden: SizeLimit field must be a valid resource quantity"] },
        { "volumes:\n- {name: v, emptyDir: {medium: Tape}}", "", [] },
        // hostPath
        { "volumes:\n- {name: v, hostPath: {path: \"\"}}", "", ["spec.volumes[0].hostPath.path: Required value"] },
        { "volumes:\n- {name: v, hostPath: {path: /a/../b, type: Dir}}", "",
            ["spec.volumes[0].hostPath.path: Invalid value: \"/a/../b\": must not contain '..'",
             "spec.volumes[0].hostPath.type: Unsupported value: \"Dir\": supported values: \"\", \"BlockDevice\", \"CharDevice\", \"Directory\", \"DirectoryOrCreate\", \"File\", \"FileOrCreate\", \"Socket\""] },
        // exclusivity, in upstream's order and with its field names.
        { "volumes:\n- {name: v, configMap: {name: c}, downwardAPI: {}}", "", ["spec.volumes[0].configMap: Forbidden: may not specify more than 1 volume type"] },
        { "volumes:\n- {name: v, secret: {secretName: s}, downwardAPI: {}}", "", ["spec.volumes[0].downwarAPI: Forbidden: may not specify more than 1 volume type"] },
        // A volume with an error is not a volume a mount can name, and its source errors come before its name's.
        { "volumes:\n- {name: V, configMap: {}}", "volumeMounts:\n- {name: V, mountPath: /v}",
            ["spec.volumes[0].configMap.name: Required value", $"spec.volumes[0].name: Invalid value: \"V\": {Label}",
             "spec.containers[0].volumeMounts[0].name: Not found: \"V\""] },
        { "volumes:\n- {name: v, image: {reference: busybox}}", "volumeMounts:\n- {name: v, mountPath: /v, subPath: x}",
            ["spec.containers[0].volumeMounts[0].subPath: Invalid value: \"x\": not allowed in image volume sources"] },
        { "volumes:\n- {name: v, nfs: {server: s, path: relative}}", "", ["spec.volumes[0].nfs.path: Invalid value: \"relative\": must be an absolute path"] },
        // IsDNS1123Label: a valid subdomain that is not a label "must not contain dots"; a final newline is no end of the name.
        { "volumes:\n- {name: a.b, emptyDir: {}}", "", ["spec.volumes[0].name: Invalid value: \"a.b\": must not contain dots"] },
        { "volumes:\n- {name: \"v\\n\", emptyDir: {}}", "", [$"spec.volumes[0].name: Invalid value: \"v\\n\": {Label}"] },
        { "volumes:\n- {name: v, persistentVolumeClaim: {claimName: web-e}}\n- name: e\n  ephemeral:\n    volumeClaimTemplate:\n      spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}", "",
            ["spec.volumes[0].persistentVolumeClaim.claimName: Invalid value: \"web-e\": must not reference a PVC that gets created for an ephemeral volume"] },
    };

    [Theory]
    [MemberData(nameof(Volumes))]
    public void VolumeSources(string spec, string container, string[] expected) => Assert.Equal(expected, Errors(spec, container));

    private const string Data = "volumes:\n- {name: data, emptyDir: {}}";

    public static TheoryData<string, string[]> Mounts => new()
    {
        { "volumeMounts:\n- {name: data, mountPath: /d}\n- {name: data, mountPath: /d}", ["spec.containers[0].volumeMounts[1].mountPath: Invalid value: \"/d\": must be unique"] },
        { "volumeMounts:\n- {name: \"\", mountPath: \"\"}",
            ["spec.containers[0].volumeMounts[0].name: Required value", "spec.containers[0].volumeMounts[0].name: Not found: \"\"", "spec.containers[0].volumeMounts[0].mountPath: Required value"] },
        // subPath, subPathExpr, mountPropagation and recursiveReadOnly errors carry no index upstream.
        { "volumeMounts:\n- {name: data, mountPath: /d, subPath: ../x}", ["spec.containers[0].volumeMounts.subPath: Invalid value: \"../x\": must not contain '..'"] },
        { "volumeMounts:\n- {name: data, mountPath: /d, subPath: /x}", ["spec.containers[0].volumeMounts.subPath: Invalid value: \"/x\": must be a relative path"] },
        { "volumeMounts:\n- {name: data, mountPath: /d, subPath: x, subPathExpr: $(POD)}",
            ["spec.containers[0].volumeMounts[0].subPathExpr: Invalid value: \"$(POD)\": subPathExpr and subPath are mutually exclusive"] },
        { "volumeMounts:\n- {name: data, mountPath: /d, mountPropagation: Sideways}",
            ["spec.containers[0].volumeMounts.mountPropagation: Unsupported value: \"Sideways\": supported values: \"Bidirectional\", \"HostToContainer\", \"None\""] },
        { "volumeMounts:\n- {name: data, mountPath: /d, mountPropagation: Bidirectional}",
            ["spec.containers[0].volumeMounts.mountPropagation: Forbidden: Bidirectional mount propagation is available only to privileged containers"] },
        { "securityContext: {privileged: true}\nvolumeMounts:\n- {name: data, mountPath: /d, mountPropagation: Bidirectional}", [] },
        { "volumeMounts:\n- {name: data, mountPath: /d, recursiveReadOnly: Enabled, mountPropagation: HostToContainer}",
            ["spec.containers[0].volumeMounts.recursiveReadOnly: Forbidden: may only be specified when readOnly is true",
             "spec.containers[0].volumeMounts.recursiveReadOnly: Forbidden: may only be specified when mountPropagation is None or not specified"] },
        { "volumeMounts:\n- {name: data, mountPath: /d, readOnly: true, recursiveReadOnly: Always}",
            ["spec.containers[0].volumeMounts.recursiveReadOnly: Unsupported value: \"Always\": supported values: \"Disabled\", \"Enabled\", \"IfPossible\""] },
        { "volumeMounts:\n- {name: data, mountPath: /d, readOnly: true, recursiveReadOnly: IfPossible}", [] },
    };

    [Theory]
    [MemberData(nameof(Mounts))]
    public void VolumeMounts(string container, string[] expected) => Assert.Equal(expected, Errors(Data, container));
}

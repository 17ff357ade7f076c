using static Sublet.Kubernetes.Tests.ValidationCases;

namespace Sublet.Kubernetes.Tests;

/// <summary>env valueFrom and envFrom, each case the API server's complete error list (validation.go ValidateEnv, ValidateEnvFrom).</summary>
public class EnvValidationTests
{
    private const string EnvFieldPaths = "supported values: \"metadata.name\", \"metadata.namespace\", \"metadata.uid\", \"spec.nodeName\", \"spec.serviceAccountName\", \"status.hostIP\", \"status.hostIPs\", \"status.podIP\", \"status.podIPs\"";

    public static TheoryData<string, string[]> Env => new()
    {
        { "env:\n- {name: A, valueFrom: {fieldRef: {fieldPath: status.podIPs}}}\n- {name: B, valueFrom: {fieldRef: {fieldPath: \"metadata.annotations['Example.com/Key']\"}}}", [] },
        { "env:\n- {name: A, valueFrom: {fieldRef: {fieldPath: metadata.labels}}}", [$"spec.containers[0].env[0].valueFrom.fieldRef.fieldPath: Unsupported value: \"metadata.labels\": {EnvFieldPaths}"] },
        { "env:\n- {name: A, valueFrom: {fieldRef: {fieldPath: status.phase}}}", [$"spec.containers[0].env[0].valueFrom.fieldRef.fieldPath: Unsupported value: \"status.phase\": {EnvFieldPaths}"] },
        { "env:\n- {name: A, valueFrom: {fieldRef: {fieldPath: \"metadata.name['x']\"}}}",
            ["spec.containers[0].env[0].valueFrom.fieldRef.fieldPath: Invalid value: \"metadata.name['x']\": error converting fieldPath: field label does not support subscript: metadata.name['x']"] },
        { "env:\n- {name: A, valueFrom: {fieldRef: {fieldPath: \"metadata.labels['bad key']\"}}}",
            [$"spec.containers[0].env[0].valueFrom.fieldRef: Invalid value: \"bad key\": {QualifiedNamePart}"] },
        { "env:\n- {name: A, valueFrom: {fieldRef: {fieldPath: \"\"}}}", ["spec.containers[0].env[0].valueFrom.fieldRef.fieldPath: Required value"] },
        { "env:\n- {name: A, valueFrom: {resourceFieldRef: {resource: limits.cpu, divisor: 2m}}}",
            ["spec.containers[0].env[0].valueFrom.resourceFieldRef.divisor: Invalid value: \"limits.cpu\": only divisor's values 1m and 1 are supported with the cpu resource"] },
        { "env:\n- {name: A, valueFrom: {resourceFieldRef: {resource: limits.cpu, divisor: 1m}}}", [] },
        { "env:\n- {name: A, valueFrom: {resourceFieldRef: {resource: \"\"}}}", ["spec.containers[0].env[0].valueFrom.resourceFieldRef.resource: Required value"] },
        { "env:\n- {name: A, valueFrom: {configMapKeyRef: {key: k}}}", [$"spec.containers[0].env[0].valueFrom.configMapKeyRef.name: Invalid value: \"\": {Subdomain}"] },
        { "env:\n- {name: A, valueFrom: {secretKeyRef: {name: s, key: \"a b\"}}}", [$"spec.containers[0].env[0].valueFrom.secretKeyRef.key: Invalid value: \"a b\": {ConfigKey}"] },
        { "env:\n- {name: A, valueFrom: {secretKeyRef: {name: s}}}", ["spec.containers[0].env[0].valueFrom.secretKeyRef.key: Required value"] },
        { "env:\n- {name: A, valueFrom: {}}",
            ["spec.containers[0].env[0].valueFrom: Invalid value: \"\": must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef`, `secretKeyRef` or `fileKeyRef`"] },
        { "env:\n- {name: A, valueFrom: {fieldRef: {fieldPath: metadata.name}, secretKeyRef: {name: s, key: k}}}",
            ["spec.containers[0].env[0].valueFrom: Invalid value: \"\": may not have more than one field specified at a time"] },
        { "env:\n- {name: A, valueFrom: {fileKeyRef: {volumeName: data, path: ../env, key: \"A=B\"}}}",
            ["spec.containers[0].env[0].valueFrom.fileKeyRef.key: Invalid value: \"A=B\": a valid environment variable name must consist only of printable ASCII characters other than '='",
             "spec.containers[0].env[0].valueFrom.fileKeyRef.path: Invalid value: \"../env\": must not contain '..'",
             "spec.containers[0].env[0].valueFrom.fileKeyRef.volumeName: Not found: \"data\""] },
        // Values print as Go's %q: control characters escaped, non-ASCII letters kept.
        { "env:\n- {name: \"A\\u0001\", value: x}\n- {name: \"é=\", value: x}",
            ["spec.containers[0].env[0].name: Invalid value: \"A\\x01\": a valid environment variable name must consist only of printable ASCII characters other than '='",
             "spec.containers[0].env[1].name: Invalid value: \"é=\": a valid environment variable name must consist only of printable ASCII characters other than '='"] },
        { "envFrom:\n- {configMapRef: {name: c}, secretRef: {name: s}}", ["spec.containers[0].envFrom: Invalid value: \"\": may not have more than one field specified at a time"] },
        { "envFrom:\n- {prefix: \"A=\", configMapRef: {name: Bad}}",
            ["spec.containers[0].envFrom[0].prefix: Invalid value: \"A=\": a valid environment variable name must consist only of printable ASCII characters other than '='",
             $"spec.containers[0].envFrom[0].configMapRef.name: Invalid value: \"Bad\": {Subdomain}"] },
        { "envFrom:\n- {secretRef: {}}", ["spec.containers[0].envFrom[0].secretRef.name: Required value"] },
        // NameIsDNSSubdomain with prefix=true: a trailing dash is masked (the name may be a prefix).
        { "envFrom:\n- {configMapRef: {name: my-config-}}", [] },
    };

    [Theory]
    [MemberData(nameof(Env))]
    public void EnvSources(string container, string[] expected) => Assert.Equal(expected, Errors("", container));

    [Fact]
    public void FileKeyRefNeedsAnEmptyDirVolume() => Assert.Equal(
        ["spec.containers[0].env[0].valueFrom.fileKeyRef.volumeName: Invalid value: \"cfg\": referenced volume must be of type emptyDir"],
        Errors("volumes:\n- {name: cfg, configMap: {name: c}}", "env:\n- {name: A, valueFrom: {fileKeyRef: {volumeName: cfg, path: app.env, key: A}}}"));
}

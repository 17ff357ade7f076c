using static Sublet.Kubernetes.Tests.ValidationCases;

namespace Sublet.Kubernetes.Tests;

/// <summary>Affinity, topology spread, gates, claims and tolerations, each case the API server's complete error list.</summary>
public class SchedulingValidationTests
{
    private const string Required = "spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution";
    private const string PodAffinity = "spec.affinity.podAffinity.requiredDuringSchedulingIgnoredDuringExecution[0]";

    public static TheoryData<string, string[]> Cases => new()
    {
        // nodeAffinity
        { "affinity:\n  nodeAffinity:\n    requiredDuringSchedulingIgnoredDuringExecution:\n      nodeSelectorTerms:\n      - matchExpressions: [{key: zone, operator: In, values: [a]}]", [] },
        { "affinity:\n  nodeAffinity:\n    requiredDuringSchedulingIgnoredDuringExecution: {nodeSelectorTerms: []}",
            [$"{Required}.nodeSelectorTerms: Required value: must have at least one node selector term"] },
        { "affinity:\n  nodeAffinity:\n    requiredDuringSchedulingIgnoredDuringExecution:\n      nodeSelectorTerms:\n      - matchExpressions: [{key: zone, operator: In}, {key: z, operator: Exists, values: [a]}, {key: n, operator: Gt, values: [\"1\", \"2\"]}, {key: m, operator: Near}]",
            [$"{Required}.nodeSelectorTerms[0].matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'",
             $"{Required}.nodeSelectorTerms[0].matchExpressions[1].values: Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
             $"{Required}.nodeSelectorTerms[0].matchExpressions[2].values: Required value: must be specified single value when `operator` is 'Lt' or 'Gt'",
             $"{Required}.nodeSelectorTerms[0].matchExpressions[3].operator: Invalid value: \"Near\": not a valid selector operator"] },
        { "affinity:\n  nodeAffinity:\n    requiredDuringSchedulingIgnoredDuringExecution:\n      nodeSelectorTerms:\n      - matchExpressions: [{key: \"bad key\", operator: In, values: [\"-x\"]}]\n        matchFields: [{key: metadata.uid, operator: In, values: [a]}]",
            [$"{Required}.nodeSelectorTerms[0].matchExpressions[0].key: Invalid value: \"bad key\": {QualifiedNamePart}",
             $"{Required}.nodeSelectorTerms[0].matchExpressions[0].values[0]: Invalid value: \"-x\": {LabelValue}",
             $"{Required}.nodeSelectorTerms[0].matchFields[0].key: Invalid value: \"metadata.uid\": not a valid field selector key"] },
        // Preferred terms may carry invalid label values; weights are 1-100.
        { "affinity:\n  nodeAffinity:\n    preferredDuringSchedulingIgnoredDuringExecution:\n    - weight: 0\n      preference: {matchExpressions: [{key: zone, operator: In, values: [\"-x\"]}]}",
            ["spec.affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].weight: Invalid value: 0: must be in the range 1-100"] },
        // podAffinity / podAntiAffinity
        { "affinity:\n  podAffinity:\n    requiredDuringSchedulingIgnoredDuringExecution:\n    - labelSelector: {matchLabels: {app: web}}\n      topologyKey: \"\"",
            [$"{PodAffinity}.topologyKey: Required value: can not be empty", $"{PodAffinity}.topologyKey: Invalid value: \"\": name part must be non-empty",
             $"{PodAffinity}.topologyKey: Invalid value: \"\": {QualifiedNamePart}"] },
        { "affinity:\n  podAntiAffinity:\n    preferredDuringSchedulingIgnoredDuringExecution:\n    - weight: 101\n      podAffinityTerm:\n        labelSelector: {matchExpressions: [{key: app, operator: Exists, values: [x]}]}\n        topologyKey: kubernetes.io/hostname",
            ["spec.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].weight: Invalid value: 101: must be in the range 1-100",
             "spec.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm.labelSelector.matchExpressions[0].values: Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'"] },
        { "affinity:\n  podAffinity:\n    requiredDuringSchedulingIgnoredDuringExecution:\n    - {topologyKey: zone, matchLabelKeys: [app]}",
            [$"{PodAffinity}.matchLabelKeys: Forbidden: must not be specified when labelSelector is not set"] },
        // topologySpreadConstraints
        { "topologySpreadConstraints:\n- {maxSkew: 1, topologyKey: zone, whenUnsatisfiable: DoNotSchedule, labelSelector: {matchLabels: {app: web}}, minDomains: 2}", [] },
        { "topologySpreadConstraints:\n- {maxSkew: 0, topologyKey: \"\", whenUnsatisfiable: Maybe, minDomains: 0}",
            ["spec.topologySpreadConstraints[0].maxSkew: Invalid value: 0: must be greater than zero",
             "spec.topologySpreadConstraints[0].topologyKey: Required value: can not be empty",
             "spec.topologySpreadConstraints[0].whenUnsatisfiable: Unsupported value: \"Maybe\": supported values: \"DoNotSchedule\", \"ScheduleAnyway\"",
             "spec.topologySpreadConstraints[0].minDomains: Invalid value: 0: must be greater than zero",
             "spec.topologySpreadConstraints[0].minDomains: Invalid value: 0: can only use minDomains if whenUnsatisfiable=DoNotSchedule, not Maybe"] },
        { "topologySpreadConstraints:\n- {maxSkew: 1, topologyKey: zone, whenUnsatisfiable: ScheduleAnyway}\n- {maxSkew: 2, topologyKey: zone, whenUnsatisfiable: ScheduleAnyway, nodeTaintsPolicy: Sometimes}",
            ["spec.topologySpreadConstraints[0].{topologyKey, whenUnsatisfiable}: Duplicate value: \"{zone, ScheduleAnyway}\"",
             "spec.topologySpreadConstraints[1].nodeTaintsPolicy: Unsupported value: \"Sometimes\": supported values: \"Honor\", \"Ignore\""] },
        // schedulingGates: qualified names, each once; a gated pod may not name its node.
        { "schedulingGates:\n- {name: example.com/wait}\n- {name: example.com/wait}\n- {name: \"bad gate\"}",
            ["spec.schedulingGates[1]: Duplicate value: \"example.com/wait\"", $"spec.schedulingGates[2]: Invalid value: \"bad gate\": {QualifiedNamePart}"] },
        { "nodeName: node1\nschedulingGates:\n- {name: wait}", ["spec.nodeName: Forbidden: cannot be set until all schedulingGates have been cleared"] },
        // resourceClaims, and containers' claims naming them
        { "resourceClaims:\n- {name: gpu, resourceClaimTemplateName: gpu-template}", [] },
        { "resourceClaims:\n- {name: gpu}\n- {name: gpu, resourceClaimName: a}",
            ["spec.resourceClaims[0]: Invalid value: core.PodResourceClaim{Name:\"gpu\", ResourceClaimName:(*string)(nil), ResourceClaimTemplateName:(*string)(nil)}: must specify one of: `resourceClaimName`, `resourceClaimTemplateName`",
             "spec.resourceClaims[1].name: Duplicate value: \"gpu\""] },
        { "resourceClaims:\n- {name: GPU, resourceClaimName: Bad}",
            [$"spec.resourceClaims[0].name: Invalid value: \"GPU\": {Label}", $"spec.resourceClaims[0].resourceClaimName: Invalid value: \"Bad\": {Subdomain}"] },
        // tolerations
        { "tolerations:\n- {key: k, operator: Equal, value: \"-x\"}", [$"spec.tolerations[0].operator: Invalid value: \"-x\": {LabelValue}"] },
        { "tolerations:\n- {key: k, operator: Gt, value: \"1\"}", ["spec.tolerations[0].operator: Unsupported value: \"Gt\": supported values: \"Equal\", \"Exists\", \"Lt\", \"Gt\""] },
        { "tolerations:\n- {key: k, operator: Exists, effect: NoEvict}", ["spec.tolerations[0].effect: Unsupported value: \"NoEvict\": supported values: \"NoSchedule\", \"PreferNoSchedule\", \"NoExecute\""] },
        // dnsConfig searches: "." and one trailing dot allowed, underscores too (RelaxedDNSSearchValidation).
        { "dnsConfig: {searches: [\".\", _srv.example.com., \"\", Bad]}",
            ["spec.dnsConfig.searches[2]: Invalid value: \"\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '_', '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '_?[a-z0-9]([-_a-z0-9]*[a-z0-9])?(\\._?[a-z0-9]([-_a-z0-9]*[a-z0-9])?)*')",
             "spec.dnsConfig.searches[3]: Invalid value: \"Bad\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '_', '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '_?[a-z0-9]([-_a-z0-9]*[a-z0-9])?(\\._?[a-z0-9]([-_a-z0-9]*[a-z0-9])?)*')"] },
        // hostAliases and nameservers parse as netutils.ParseIPSloppy does.
        { "hostAliases:\n- {ip: \"1\", hostnames: [a]}\n- {ip: \"010.0.0.1\", hostnames: [b]}\n- {ip: \"fe80::1%eth0\", hostnames: [c]}\n- {ip: \"2001:db8::1\", hostnames: [d]}",
            ["spec.hostAliases[0].ip: Invalid value: \"1\": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)",
             "spec.hostAliases[2].ip: Invalid value: \"fe80::1%eth0\": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"] },
        // priority, overhead, os
        { "preemptionPolicy: Always", ["spec.preemptionPolicy: Unsupported value: \"Always\": supported values: \"PreemptLowerPriority\", \"Never\""] },
        { "overhead: {cpu: \"-1\"}", ["spec.overhead.limits[cpu]: Invalid value: \"-1\": must be greater than or equal to 0"] },
        { "os: {name: plan9}", ["spec.os: Unsupported value: \"plan9\": supported values: \"linux\", \"windows\""] },
        { "os: {name: windows}\nhostUsers: true\nhostPID: true\nsecurityContext: {runAsUser: 1000, seccompProfile: {type: RuntimeDefault}}",
            ["spec.hostUsers: Forbidden: cannot be set for a windows pod", "spec.hostPID: Forbidden: cannot be set for a windows pod",
             "spec.securityContext.seccompProfile: Forbidden: cannot be set for a windows pod", "spec.securityContext.runAsUser: Forbidden: cannot be set for a windows pod"] },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void SchedulingFields(string spec, string[] expected) => Assert.Equal(expected, Errors(spec));

    public static TheoryData<string, string, string[]> ContainerClaims => new()
    {
        { "", "resources:\n  claims: [{name: gpu}]",
            ["spec.containers[0].resources.claims[0]: Not found: \"gpu\": must be one of the names in pod.spec.resourceClaims which is empty"] },
        { "resourceClaims:\n- {name: a, resourceClaimName: a}\n- {name: b, resourceClaimName: b}", "resources:\n  claims: [{name: a, request: r1}, {name: a}, {name: c}]",
            ["spec.containers[0].resources.claims[1]: Duplicate value: \"a\"",
             "spec.containers[0].resources.claims[2]: Not found: \"c\": must be one of the names in pod.spec.resourceClaims: a, b"] },
    };

    [Theory]
    [MemberData(nameof(ContainerClaims))]
    public void ContainerResourceClaims(string spec, string container, string[] expected) => Assert.Equal(expected, Errors(spec, container));

    /// <summary>matchLabelKeys is merged into the selector from the pod's labels before validation, so a key also in matchLabels is reported.</summary>
    [Fact]
    public void MatchLabelKeysAlsoInTheSelectorAreReported()
    {
        var errors = PodValidatorWithLabels("app: web", """
            affinity:
              podAffinity:
                requiredDuringSchedulingIgnoredDuringExecution:
                - {topologyKey: zone, labelSelector: {matchLabels: {app: web}}, matchLabelKeys: [app]}
            """);
        Assert.Equal([$"{PodAffinity}[0]: Invalid value: \"app\": exists in both matchLabelKeys and labelSelector"], errors);
    }

    private static IReadOnlyList<string> PodValidatorWithLabels(string labels, string spec) =>
        Validation.PodValidator.Validate(Yaml.ReadPod(Yaml.Pod(spec: spec).Replace("  name: web\n", $"  name: web\n  labels: {{{labels}}}\n")))
            .Select(e => e.ToString()).ToList();
}

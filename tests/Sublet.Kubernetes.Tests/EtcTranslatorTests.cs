using Sublet.Kubelet.Plan;
using static Sublet.Kubernetes.Tests.Yaml;

namespace Sublet.Kubernetes.Tests;

public sealed class EtcTranslatorTests
{
    [Fact]
    public void HostAliases_subdomain_and_dnsConfig_are_carried_into_the_plan()
    {
        var plan = Translate(Pod(spec: """
            subdomain: backends
            hostAliases:
              - {ip: 10.1.2.3, hostnames: [foo.remote, bar.remote]}
              - {ip: "::1", hostnames: [six]}
            dnsPolicy: None
            dnsConfig:
              nameservers: [192.0.2.1]
              searches: [ns1.svc.example]
              options: [{name: ndots, value: "2"}, {name: edns0}]
            """));

        Assert.Equal("backends", plan.Subdomain);
        Assert.Equal(["10.1.2.3", "::1"], plan.HostAliases.Select(a => a.Ip));
        Assert.Equal(["foo.remote", "bar.remote"], plan.HostAliases[0].Hostnames);
        Assert.Equal(DnsPolicy.None, plan.Dns.Policy);
        Assert.Equal(["192.0.2.1"], plan.Dns.Nameservers);
        Assert.Equal(["ns1.svc.example"], plan.Dns.Searches);
        Assert.Equal([new DnsOption("ndots", "2"), new DnsOption("edns0", null)], plan.Dns.Options);
    }

    [Theory]
    [InlineData("", DnsPolicy.ClusterFirst)]
    [InlineData("dnsPolicy: ClusterFirst", DnsPolicy.ClusterFirst)]
    [InlineData("dnsPolicy: ClusterFirstWithHostNet", DnsPolicy.ClusterFirstWithHostNet)]
    [InlineData("dnsPolicy: Default", DnsPolicy.Default)]
    public void DnsPolicy_defaults_to_ClusterFirst(string spec, DnsPolicy policy) =>
        Assert.Equal(policy, Translate(Pod(spec: spec)).Dns.Policy);

    [Fact]
    public void An_unknown_dnsPolicy_is_refused_by_path() =>
        Assert.Contains(Problems(Pod(spec: "dnsPolicy: Cluster")),
            p => p.StartsWith("spec.dnsPolicy: Unsupported value: \"Cluster\"", StringComparison.Ordinal));

    [Theory]
    [InlineData("", "/dev/termination-log", TerminationMessagePolicy.File)]
    [InlineData("terminationMessagePath: \"\"", "/dev/termination-log", TerminationMessagePolicy.File)]
    [InlineData("terminationMessagePath: /tmp/why", "/tmp/why", TerminationMessagePolicy.File)]
    [InlineData("terminationMessagePolicy: FallbackToLogsOnError", "/dev/termination-log", TerminationMessagePolicy.FallbackToLogsOnError)]
    public void Termination_message_fields_get_the_API_defaults(string container, string path, TerminationMessagePolicy policy)
    {
        var c = Assert.Single(Translate(Pod(container: container)).Containers);
        Assert.Equal(path, c.TerminationMessagePath);
        Assert.Equal(policy, c.TerminationMessagePolicy);
    }
}

using Sublet.Kubelet.Plan;
using Sublet.Kubelet.Pods;
using Sublet.Runtime.Pods;

namespace Sublet.Runtime.Tests;

/// <summary>The pod's /etc/hosts, byte for byte as the kubelet's managedHostsFileContent writes it.</summary>
public sealed class EtcContentTests
{
    private const string Boilerplate = "# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n"
        + "fe00::0\tip6-localnet\nfe00::0\tip6-mcastprefix\nfe00::1\tip6-allnodes\nfe00::2\tip6-allrouters\n";

    [Fact]
    public void Without_aliases_the_file_ends_with_the_pod_address_and_hostname() =>
        Assert.Equal(Boilerplate + "127.0.0.1\tweb\n", EtcContent.Hosts(EtcContent.PodIps, "web", "", []));

    [Fact]
    public void A_subdomain_names_the_pod_by_its_fully_qualified_name_first()
    {
        var plan = Plans.Pod("web") with { Namespace = "team", Subdomain = "backends" };
        var domain = EtcFiles.HostDomain(plan, "cluster.local");
        Assert.Equal("backends.team.svc.cluster.local", domain);
        Assert.Equal(Boilerplate + "10.0.0.7\tweb.backends.team.svc.cluster.local\tweb\n", EtcContent.Hosts(["10.0.0.7"], "web", domain, []));
    }

    [Fact]
    public void No_subdomain_no_domain() => Assert.Equal("", EtcFiles.HostDomain(Plans.Pod("web"), "cluster.local"));

    [Fact]
    public void HostAliases_follow_a_blank_line_and_a_comment_one_line_per_entry() =>
        Assert.Equal(Boilerplate + "127.0.0.1\tweb\n\n# Entries added by HostAliases.\n10.1.2.3\tfoo.remote\tbar.remote\n::1\tsix\n",
            EtcContent.Hosts(EtcContent.PodIps, "web", "", [new("10.1.2.3", ["foo.remote", "bar.remote"]), new("::1", ["six"])]));

    [Fact]
    public void Every_container_gets_the_three_files_writable()
    {
        Assert.Equal([("hosts", false), ("hostname", false), ("resolv.conf", false)], EtcFiles.Binds(Plans.Container()));
    }

    [Fact]
    public void A_read_only_root_makes_hostname_and_resolv_conf_read_only_but_not_hosts()
    {
        var container = Plans.Container() with { Security = new ContainerSecurity { ReadOnlyRootFilesystem = true } };
        Assert.Equal([("hosts", false), ("hostname", true), ("resolv.conf", true)], EtcFiles.Binds(container));
    }

    [Fact]
    public void A_volume_mounted_on_one_of_them_replaces_it()
    {
        var container = Plans.Container() with { VolumeMounts = [new VolumeMountPlan("mine", "/etc/hosts/", false), new VolumeMountPlan("etc", "/etc", false)] };
        Assert.Equal(["hostname", "resolv.conf"], EtcFiles.Binds(container).Select(b => b.Name));
    }
}

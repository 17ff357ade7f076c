using Sublet.Runtime.Oci;
using Sublet.Kubelet.Plan;
using Sublet.Runtime.Sandboxes;
using static Sublet.Runtime.Tests.Plans;

namespace Sublet.Runtime.Tests;

public sealed class UserResolverTests
{
    private const string Passwd = """
        root:x:0:0:root:/root:/bin/sh
        # a comment line
        daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin
        app:x:1000:1000:app:/home/app:/bin/sh
        nogroup-user:x:1001:1001::/:/bin/sh
        """;

    private const string Group = """
        root:x:0:
        daemon:x:1:
        wheel:x:10:app,root
        staff:x:50:
        app:x:1000:app
        video:x:44:someone,app
        """;

    private static ResolvedUser Resolve(string? imageUser, long? runAsUser = null, long? runAsGroup = null, string? passwd = Passwd, string? group = Group) =>
        UserResolver.Resolve("app", new ProcessSecurity { RunAsUser = runAsUser, RunAsGroup = runAsGroup }, imageUser, passwd, group);

    [Theory]
    [InlineData(null, 0u, 0u)]
    [InlineData("", 0u, 0u)]
    [InlineData("0", 0u, 0u)]
    [InlineData("1", 1u, 1u)]            // numeric, primary group from /etc/passwd
    [InlineData("4242", 4242u, 0u)]      // numeric, not in /etc/passwd: group 0
    [InlineData("4242:77", 4242u, 77u)]  // uid:gid
    [InlineData("1000:50", 1000u, 50u)]  // explicit gid wins over passwd
    [InlineData("4242:staff", 4242u, 50u)] // uid:groupname
    [InlineData("app", 1000u, 1000u)]    // name through /etc/passwd
    [InlineData("app:staff", 1000u, 50u)] // name:group: the explicit group wins over the passwd primary group
    [InlineData("app:77", 1000u, 77u)]
    [InlineData("daemon", 1u, 1u)]
    public void Image_user_forms_resolve(string? imageUser, uint uid, uint gid)
    {
        var user = Resolve(imageUser);
        Assert.Equal(uid, user.Uid);
        Assert.Equal(gid, user.Gid);
    }

    [Fact]
    public void Supplementary_groups_come_from_group_membership_without_the_primary_group()
    {
        Assert.Equal([10u, 44u], Resolve("app").AdditionalGids);
        Assert.Equal([10u, 44u], Resolve("1000").AdditionalGids);
        Assert.Equal([10u], Resolve("root").AdditionalGids);
        Assert.Empty(Resolve("daemon").AdditionalGids);
    }

    [Fact]
    public void Without_etc_group_there_are_no_supplementary_groups()
    {
        Assert.Empty(Resolve("app", group: null).AdditionalGids);
    }

    [Theory]
    [InlineData("app", 4242L, null, 4242u, 0u)]     // runAsUser replaces the image user entirely
    [InlineData("app", 1L, null, 1u, 1u)]           // and its group comes from /etc/passwd by uid
    [InlineData("app", null, 77L, 1000u, 77u)]      // runAsGroup alone replaces the group only
    [InlineData("4242:50", 1000L, 99L, 1000u, 99u)] // both
    [InlineData(null, 5L, 6L, 5u, 6u)]
    public void RunAsUser_and_RunAsGroup_override_the_image(string? imageUser, long? runAsUser, long? runAsGroup, uint uid, uint gid)
    {
        var user = Resolve(imageUser, runAsUser, runAsGroup);
        Assert.Equal(uid, user.Uid);
        Assert.Equal(gid, user.Gid);
    }

    [Fact]
    public void RunAsUser_of_a_listed_user_still_gets_its_supplementary_groups()
    {
        Assert.Equal([10u, 44u], Resolve(null, runAsUser: 1000).AdditionalGids);
    }

    [Fact]
    public void Unknown_user_name_is_a_plan_error_naming_user_and_container()
    {
        var e = Assert.Throws<PlanException>(() => Resolve("nobody-here"));
        Assert.Contains("\"nobody-here\"", e.Message);
        Assert.Contains("\"app\"", e.Message);
        Assert.Contains("/etc/passwd", e.Message);
    }

    [Fact]
    public void Name_without_an_etc_passwd_or_group_is_a_plan_error_saying_the_image_has_none()
    {
        Assert.Equal("container \"app\": image user \"app\" needs /etc/passwd, and the image has none",
            Assert.Throws<PlanException>(() => Resolve("app", passwd: null)).Message);
        Assert.Equal("container \"app\": image group \"staff\" needs /etc/group, and the image has none",
            Assert.Throws<PlanException>(() => Resolve("4242:staff", group: null)).Message);
    }

    [Fact]
    public void Unknown_group_name_is_a_plan_error_naming_the_group()
    {
        var e = Assert.Throws<PlanException>(() => Resolve("4242:nosuchgroup"));
        Assert.Contains("\"nosuchgroup\"", e.Message);
        Assert.Contains("/etc/group", e.Message);
    }

    private static ResolvedUser ResolveWith(ProcessSecurity security, string? imageUser, long? runAsGroup = null) =>
        UserResolver.Resolve("app", security with { RunAsGroup = runAsGroup }, imageUser, Passwd, Group);

    public static TheoryData<SupplementalGroupsPolicy, long[], long?, uint[]> GroupPolicyCases => new()
    {
        // policy, supplementalGroups, runAsGroup → additional groups of user "app" (member of 10, 44)
        { SupplementalGroupsPolicy.Merge, [], null, [10, 44] },
        { SupplementalGroupsPolicy.Merge, [2000, 44], null, [10, 44, 2000] },     // merged, no duplicates
        { SupplementalGroupsPolicy.Strict, [], null, [] },                         // image groups ignored
        { SupplementalGroupsPolicy.Strict, [2000, 3000], null, [2000, 3000] },
        { SupplementalGroupsPolicy.Strict, [3000, 77], 77, [3000] },              // the primary group is not repeated
    };

    [Theory]
    [MemberData(nameof(GroupPolicyCases))]
    public void Supplemental_groups_follow_the_policy(SupplementalGroupsPolicy policy, long[] supplemental, long? runAsGroup, uint[] expected)
    {
        var user = ResolveWith(new ProcessSecurity { SupplementalGroupsPolicy = policy, SupplementalGroups = supplemental }, "app", runAsGroup: runAsGroup);
        Assert.Equal(expected, user.AdditionalGids);
    }
}

using Sublet.Kubernetes.Manifests;

namespace Sublet.Kubernetes.Tests;

public sealed class Dns1123Tests
{
    [Theory]
    [InlineData("a", true)]
    [InlineData("my-name", true)]
    [InlineData("123-abc", true)]
    [InlineData("-a", false)]
    [InlineData("a-", false)]
    [InlineData("A", false)]
    [InlineData("a.b", false)]
    [InlineData("a_b", false)]
    [InlineData("", false)]
    public void Label(string value, bool valid) => Assert.Equal(valid, Dns1123.Label(value) is null);

    [Theory]
    [InlineData("example.com", true)]
    [InlineData("a.b-c.d", true)]
    [InlineData("a..b", false)]
    [InlineData(".a", false)]
    [InlineData("a.", false)]
    [InlineData("a.-b", false)]
    [InlineData("Example.com", false)]
    [InlineData("", false)]
    public void Subdomain(string value, bool valid) => Assert.Equal(valid, Dns1123.Subdomain(value) is null);

    [Theory]
    [InlineData(63, true)]
    [InlineData(64, false)]
    public void Label_length(int length, bool valid)
    {
        var error = Dns1123.Label(new string('a', length));
        Assert.Equal(valid, error is null);
        if (!valid)
        {
            Assert.Equal("must be no more than 63 characters", error);
        }
    }

    [Theory]
    [InlineData(253, true)]
    [InlineData(254, false)]
    public void Subdomain_length(int length, bool valid)
    {
        // Labels of 63 joined by dots, cut to the length and not ending in a dot.
        var value = string.Join('.', Enumerable.Repeat(new string('a', 63), 5))[..length].TrimEnd('.');
        value = value.Length < length ? value + "b" : value;
        Assert.Equal(length, value.Length);
        Assert.Equal(valid, Dns1123.Subdomain(value) is null);
    }
}

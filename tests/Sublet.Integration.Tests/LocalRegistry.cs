using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text.Json.Nodes;

namespace Sublet.Integration.Tests;

/// <summary>
/// Debian's <c>docker-registry</c> (distribution 2.8) on 127.0.0.1 and a free port, with a private
/// config and storage under a temp dir (the packaged config listens on every interface, so it is
/// never used). Dispose stops the process this started and removes the dir, also after a failure.
/// <see cref="Push"/> uploads an OCI layout's image with the distribution push API.
/// </summary>
internal sealed class LocalRegistry : IDisposable
{
    public const string Binary = "/usr/bin/docker-registry";
    private readonly Process _process;
    private readonly HttpClient _http;

    /// <summary>A user the registry knows with Basic auth (htpasswd), and its password.</summary>
    public const string User = "tester";
    public const string Password = "sublet-test-password";

    // bcrypt of Password (cost 4): distribution's htpasswd backend takes bcrypt only.
    private const string PasswordHash = "$2b$04$BAApzlaG2XJEH7fwC50pUugKjrREJO2Ky2OYrOVrtr7E.iHNIDhjq";

    /// <param name="basicAuth">Require <see cref="User"/>/<see cref="Password"/> (auth.htpasswd) for every request.</param>
    /// <param name="tls">Serve HTTPS with a certificate from a throwaway CA (<see cref="Ca"/>) instead of plain HTTP.</param>
    /// <param name="tokens">Require bearer tokens from this token server (auth.token) for every request.</param>
    /// <param name="accessLog">Log every request (distribution's access log, on stderr), for <see cref="AccessLog"/>.</param>
    public LocalRegistry(bool basicAuth = false, bool tls = false, TokenServer? tokens = null, bool accessLog = false)
    {
        _tokens = tokens;
        if (!File.Exists(Binary)) Assert.Fail($"{Binary} is missing: apt-get install docker-registry (./test.sh installs it)");
        Root = Directory.CreateTempSubdirectory("sublet-registry-").FullName;
        Port = FreePort();
        Ca = tls ? TestCa.Create(Root) : null;
        // The test's own pushes trust the test CA; what is under test (sublet) is told of it, or not.
        _http = new HttpClient(new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, _, _, _) => true }) { Timeout = TimeSpan.FromSeconds(30) };
        var tlsConfig = Ca is { } ca ? $"  tls:\n    certificate: {ca.CertFile}\n    key: {ca.KeyFile}\n" : "";
        var config = Path.Combine(Root, "config.yml");
        var auth = "";
        if (basicAuth)
        {
            File.WriteAllText(Path.Combine(Root, "htpasswd"), $"{User}:{PasswordHash}\n");
            auth = $"auth:\n  htpasswd:\n    realm: sublet-test\n    path: {Path.Combine(Root, "htpasswd")}\n";
            _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"{User}:{Password}")));
        }
        if (tokens is not null)
        {
            auth = tokens.RegistryConfig;
        }
        File.WriteAllText(config, $"""
            version: 0.1
            log:
              level: warn
              accesslog: {"{"}disabled: {(accessLog ? "false" : "true")}{"}"}
            storage:
              filesystem:
                rootdirectory: {Storage}
            http:
              addr: 127.0.0.1:{Port}
            {tlsConfig}
            {auth}
            """);
        var info = new ProcessStartInfo(Binary, ["serve", config]) { RedirectStandardOutput = true, RedirectStandardError = true };
        _process = Process.Start(info)!;
        // The access log goes to stdout (distribution's registry.go: CombinedLoggingHandler(os.Stdout, …)).
        _process.OutputDataReceived += (_, e) => { if (e.Data is { } line) lock (_log) _log.Add(line); };
        _process.ErrorDataReceived += (_, e) => { if (e.Data is { } line) lock (_log) _log.Add(line); };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        WaitUntilUp();
    }

    private readonly List<string> _log = [];
    private readonly TokenServer? _tokens;
    private string? _repository;

    public string Root { get; }
    public int Port { get; }
    public string Domain => $"127.0.0.1:{Port}";

    /// <summary>The CA that issued the registry's certificate, when it serves HTTPS.</summary>
    public TestCa? Ca { get; }

    /// <summary><c>http://127.0.0.1:PORT</c> or <c>https://…</c>.</summary>
    public string Url => $"{(Ca is null ? "http" : "https")}://{Domain}";
    public string Storage => Path.Combine(Root, "storage");

    /// <summary>Where the registry keeps a blob's bytes (distribution's filesystem driver layout).</summary>
    public string BlobData(string digest) =>
        Path.Combine(Storage, "docker", "registry", "v2", "blobs", "sha256", digest[7..9], digest[7..], "data");

    /// <summary>Pushes the first image of an OCI layout as <paramref name="repository"/>:<paramref name="tag"/>; returns its manifest digest.</summary>
    public string Push(string layout, string repository, string tag)
    {
        _repository = repository;
        var index = JsonNode.Parse(File.ReadAllText(Path.Combine(layout, "index.json")))!;
        var manifestDigest = (string)index["manifests"]![0]!["digest"]!;
        var manifestBytes = File.ReadAllBytes(LayoutBlob(layout, manifestDigest));
        var manifest = JsonNode.Parse(manifestBytes)!;
        var blobs = new[] { (string)manifest["config"]!["digest"]! }.Concat(manifest["layers"]!.AsArray().Select(l => (string)l!["digest"]!));
        foreach (var digest in blobs) PushBlob(repository, digest, File.ReadAllBytes(LayoutBlob(layout, digest)));
        var put = new HttpRequestMessage(HttpMethod.Put, $"{Url}/v2/{repository}/manifests/{tag}") { Content = new ByteArrayContent(manifestBytes) };
        put.Content.Headers.ContentType = new MediaTypeHeaderValue((string?)manifest["mediaType"] ?? "application/vnd.oci.image.manifest.v1+json");
        Expect(Send(put), HttpStatusCode.Created, $"PUT manifest {repository}:{tag}");
        return manifestDigest;
    }

    /// <summary>distribution spec "Pushing a blob monolithically": POST an upload, PUT its Location with ?digest=.</summary>
    private void PushBlob(string repository, string digest, byte[] data)
    {
        if (Send(new HttpRequestMessage(HttpMethod.Head, $"{Url}/v2/{repository}/blobs/{digest}")).StatusCode == HttpStatusCode.OK) return;
        var start = Send(new HttpRequestMessage(HttpMethod.Post, $"{Url}/v2/{repository}/blobs/uploads/"));
        Expect(start, HttpStatusCode.Accepted, $"POST upload {digest}");
        var location = new Uri(new Uri($"{Url}/"), start.Headers.Location!);
        var url = location + (location.Query.Length > 0 ? "&" : "?") + "digest=" + Uri.EscapeDataString(digest);
        var put = new HttpRequestMessage(HttpMethod.Put, url) { Content = new ByteArrayContent(data) };
        put.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        Expect(Send(put), HttpStatusCode.Created, $"PUT blob {digest}");
    }

    private HttpResponseMessage Send(HttpRequestMessage request)
    {
        if (_tokens is not null && _repository is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _tokens.Mint(_repository, "pull", "push"));
        }
        return _http.Send(request);
    }

    private void Expect(HttpResponseMessage response, HttpStatusCode status, string what)
    {
        if (response.StatusCode != status)
            Assert.Fail($"{what}: {(int)response.StatusCode} {response.Content.ReadAsStringAsync().Result}\n{Log()}");
    }

    /// <summary>
    /// The access log's lines so far (with <c>accessLog</c>), Apache combined log format:
    /// <c>127.0.0.1 - - [date] "GET /v2/… HTTP/1.1" 206 40000 "" "agent"</c>.
    /// </summary>
    public IReadOnlyList<string> AccessLog()
    {
        lock (_log) return [.. _log.Where(l => l.Contains(" HTTP/1.1\" ", StringComparison.Ordinal))];
    }

    private string Log()
    {
        lock (_log) return string.Join('\n', _log);
    }

    private static string LayoutBlob(string layout, string digest) => Path.Combine(layout, "blobs", "sha256", digest[7..]);

    private void WaitUntilUp()
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited) break;
            try
            {
                // Up once it answers: 401 when a token server guards it.
                if (_http.Send(new HttpRequestMessage(HttpMethod.Get, $"{Url}/v2/")).StatusCode is HttpStatusCode.OK or HttpStatusCode.Unauthorized) return;
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            Thread.Sleep(100);
        }
        var why = _process.HasExited ? $"exited with {_process.ExitCode}" : "did not answer /v2/ in 20 s";
        Dispose();
        Assert.Fail($"{Binary} on {Domain} {why}:\n{Log()}");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill();
                _process.WaitForExit(10_000);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
        _process.Dispose();
        _http.Dispose();
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // Best effort.
        }
    }
}

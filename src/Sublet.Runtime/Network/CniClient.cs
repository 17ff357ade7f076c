using System.Text.Json;
using System.Text.Json.Nodes;

namespace Sublet.Runtime.Network;

/// <summary>
/// Runs a network list's plugins for one attachment (CNI spec 1.0.0 "Execution of Network
/// Configurations"): ADD in order, each given the previous result; DEL in reverse order, each
/// given the ADD result; CHECK in order with it. The first failure stops the run.
/// </summary>
public sealed class CniClient
{
    private readonly ICniExec _exec;
    private readonly IReadOnlyList<string> _pluginDirs;
    private readonly TimeSpan _timeout;

    public CniClient(ICniExec exec, IReadOnlyList<string> pluginDirs, TimeSpan timeout)
    {
        _exec = exec;
        _pluginDirs = pluginDirs;
        _timeout = timeout;
    }

    /// <summary>ADD through every plugin; the last plugin's result is the attachment's.</summary>
    public JsonNode? Add(CniNetworkList network, CniRequest request)
    {
        JsonNode? result = null;
        foreach (var plugin in network.Plugins)
        {
            result = Run("ADD", network, plugin, request, result) ?? result;
        }
        return result;
    }

    /// <summary>
    /// DEL through every plugin, last first, with <paramref name="addResult"/> (null when ADD never
    /// finished). Plugins must tolerate what is already gone (spec "DEL"); every plugin is asked even
    /// when one fails, and the first failure is thrown afterwards, so one broken plugin can't leak the others' resources.
    /// </summary>
    public void Del(CniNetworkList network, CniRequest request, JsonNode? addResult)
    {
        CniException? first = null;
        foreach (var plugin in network.Plugins.Reverse())
        {
            try
            {
                Run("DEL", network, plugin, request, addResult);
            }
            catch (CniException e)
            {
                first ??= e;
            }
        }
        if (first is not null)
        {
            throw first;
        }
    }

    /// <summary>CHECK through every plugin with the ADD result (never when the list disables it).</summary>
    public void Check(CniNetworkList network, CniRequest request, JsonNode addResult)
    {
        if (network.DisableCheck)
        {
            return;
        }
        foreach (var plugin in network.Plugins)
        {
            Run("CHECK", network, plugin, request, addResult);
        }
    }

    /// <summary>Where the plugin's binary is: the first plugin directory holding an executable file named as its type.</summary>
    public string Find(CniNetworkList network, JsonObject plugin)
    {
        var type = CniNetworkList.TypeOf(plugin);
        if (type.Contains('/', StringComparison.Ordinal) || type is "." or "..")
        {
            throw new CniException($"network \"{network.Name}\" ({network.File}): plugin type \"{type}\" is not a file name");
        }
        return _pluginDirs.Select(dir => Path.Combine(dir, type)).FirstOrDefault(File.Exists)
            ?? throw new CniException($"network \"{network.Name}\" ({network.File}): plugin \"{type}\" not found in {string.Join(":", _pluginDirs)}; install containernetworking-plugins (apt-get install containernetworking-plugins) or set network.pluginDirs");
    }

    private JsonNode? Run(string command, CniNetworkList network, JsonObject plugin, CniRequest request, JsonNode? prevResult)
    {
        var binary = Find(network, plugin);
        var type = CniNetworkList.TypeOf(plugin);
        var where = $"network \"{network.Name}\" ({network.File}): plugin {type} {command}";
        ProcessResult result;
        try
        {
            result = _exec.Run(binary, request.Environment(command, _pluginDirs), request.PluginConfig(network, plugin, prevResult).ToJsonString(), _timeout);
        }
        catch (TimeoutException e)
        {
            throw new CniException($"{where} {e.Message}");
        }
        if (result.ExitCode != 0)
        {
            throw PluginError(where, result);
        }
        return command == "ADD" ? ParseResult(where, result.Stdout) : null;
    }

    private static JsonNode ParseResult(string where, string stdout)
    {
        try
        {
            return JsonNode.Parse(stdout) ?? throw new CniException($"{where}: the plugin printed no result");
        }
        catch (JsonException e)
        {
            throw new CniException($"{where}: the plugin's result is not JSON: {e.Message}");
        }
    }

    /// <summary>The plugin's error result (spec "Error": code, msg, details) when it printed one, else its stderr.</summary>
    internal static CniException PluginError(string where, ProcessResult result)
    {
        try
        {
            if (JsonNode.Parse(result.Stdout) is JsonObject error && error["msg"] is JsonValue msg)
            {
                var code = error["code"] is JsonValue c && c.TryGetValue<int>(out var n) ? n : (int?)null;
                var details = error["details"] is JsonValue d && d.GetValue<string>() is { Length: > 0 } text ? $" ({text})" : "";
                return new CniException($"{where} failed{(code is null ? "" : $" with code {code}")}: {msg.GetValue<string>()}{details}", code);
            }
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            // Not an error object: fall back to what the plugin wrote to stderr.
        }
        var stderr = result.Stderr.Trim();
        return new CniException($"{where} failed with exit code {result.ExitCode}{(stderr.Length > 0 ? ": " + stderr : "")}");
    }
}

using Sublet.IdMapping;
using Sublet.Runtime.Sandboxes;
using Sublet.Linux.Sqlite;

namespace Sublet.Runtime.State;

/// <summary>
/// The runtime core's tables: sandboxes and their containers with random IDs, attempt numbers,
/// owner and the config each was created with (issue 20 item 3). Ranges of sandboxes count in
/// <see cref="Allocations"/>, so the pool allocator never hands out one a CRI client chose.
/// </summary>
public sealed partial class StateStore
{
    private const string SandboxColumns = "id, config, state, created, pause_pid, pause_start, boot_id";
    private const string ContainerColumns = "id, sandbox_id, config, image_id, image_ref, log_path, state, created, started, pid, reason, message";

    /// <summary>
    /// Records a sandbox, in one transaction with the check that its range overlaps no recorded
    /// range and its name and attempt are free: two clients can't both get an overlapping range.
    /// </summary>
    /// <param name="allocate">
    /// Chooses the sandbox's range from those recorded, inside the same transaction (<c>play</c>'s
    /// pool allocator): nobody else can add one meanwhile. Null: the config's range, if any, as given.
    /// </param>
    public SandboxEntry CreateSandbox(SandboxEntry sandbox, Func<IReadOnlyList<IdRange>, IdRange>? allocate = null)
    {
        using var tx = _db.BeginImmediate();
        if (allocate is not null)
        {
            sandbox = sandbox with { Config = sandbox.Config with { UserNamespace = allocate([.. Allocations().Select(a => a.Range)]) } };
        }
        var c = sandbox.Config;
        if (Scalar("SELECT id FROM sandboxes WHERE owner = $owner AND namespace = $ns AND name = $name AND uid = $uid AND attempt = $attempt",
                ("$owner", c.Owner.ToString()), ("$ns", c.Namespace), ("$name", c.Name), ("$uid", c.Uid), ("$attempt", (long)c.Attempt)) is string existing)
        {
            throw new RuntimeError(ErrorKind.AlreadyExists,
                $"sandbox name \"{c.Name}_{c.Namespace}_{c.Uid}_{c.Attempt}\" is reserved for sandbox {existing}");
        }
        if (c.UserNamespace is { } range && Allocations().FirstOrDefault(a => a.Range.Overlaps(range)) is { } clash)
        {
            throw new RuntimeError(ErrorKind.FailedPrecondition,
                $"user namespace host IDs {range.Start}-{range.End - 1} overlap pod {clash.PodNamespace}/{clash.PodName}'s {clash.Range.Start}-{clash.Range.End - 1}: each pod needs host IDs no other pod has") { Reason = "range_in_use" };
        }
        var now = DateTimeOffset.UtcNow;
        Exec("""
            INSERT INTO sandboxes(id, owner, name, namespace, uid, attempt, config, state, created, ids_start, ids_length, boot_id)
            VALUES ($id, $owner, $name, $ns, $uid, $attempt, $config, $state, $created, $start, $length, $boot)
            """,
            ("$id", sandbox.Id), ("$owner", c.Owner.ToString()), ("$name", c.Name), ("$ns", c.Namespace), ("$uid", c.Uid),
            ("$attempt", (long)c.Attempt), ("$config", StoredConfigs.Sandbox.Write(c)), ("$state", sandbox.State.ToString()),
            ("$created", Time(now)), ("$start", c.UserNamespace is { } r1 ? (long)r1.Start : null),
            ("$length", c.UserNamespace is { } r2 ? (long)r2.Length : null), ("$boot", sandbox.BootId));
        tx.Commit();
        return sandbox with { Created = now };
    }

    public void UpdateSandbox(SandboxEntry s) =>
        Exec("UPDATE sandboxes SET state = $state, pause_pid = $pid, pause_start = $start WHERE id = $id",
            ("$id", s.Id), ("$state", s.State.ToString()), ("$pid", s.PausePid), ("$start", s.PauseStartTime is { } t ? (long)t : null));

    public IReadOnlyList<SandboxEntry> Sandboxes(Owner? owner = null)
    {
        var cmd = owner is { } o
            ? Command($"SELECT {SandboxColumns} FROM sandboxes WHERE owner = $owner ORDER BY created", ("$owner", o.ToString()))
            : Command($"SELECT {SandboxColumns} FROM sandboxes ORDER BY created");
        return ReadSandboxes(cmd);
    }

    /// <summary>
    /// The IDs of <paramref name="owner"/>'s sandboxes that start with <paramref name="prefix"/>, at
    /// most <paramref name="limit"/>: what a client's (possibly shortened) ID names, read from the key
    /// column alone, since every CRI call that takes an ID asks (the configs are not read).
    /// </summary>
    public IReadOnlyList<string> SandboxIds(Owner owner, string prefix, int limit) =>
        Ids("SELECT id FROM sandboxes WHERE owner = $owner AND substr(id, 1, length($prefix)) = $prefix ORDER BY id LIMIT $limit",
            ("$owner", owner.ToString()), ("$prefix", prefix), ("$limit", (long)limit));

    /// <summary>As <see cref="SandboxIds(Owner, string, int)"/>, for containers in <paramref name="owner"/>'s sandboxes.</summary>
    public IReadOnlyList<string> ContainerIds(Owner owner, string prefix, int limit) =>
        Ids("""
            SELECT c.id FROM sandbox_containers c JOIN sandboxes s ON s.id = c.sandbox_id
            WHERE s.owner = $owner AND substr(c.id, 1, length($prefix)) = $prefix ORDER BY c.id LIMIT $limit
            """, ("$owner", owner.ToString()), ("$prefix", prefix), ("$limit", (long)limit));

    private List<string> Ids(string sql, params (string Name, object? Value)[] args)
    {
        var cmd = Command(sql, args);
        using var r = cmd.ExecuteReader();
        var ids = new List<string>();
        while (r.Read())
        {
            ids.Add(r.GetString(0));
        }
        return ids;
    }

    /// <summary>The recorded pause process (PID, start time) of every sandbox with a user namespace and a pause; no configs are read.</summary>
    public IReadOnlyList<(string Id, int Pid, ulong StartTime)> Pauses()
    {
        var cmd = Command("SELECT id, pause_pid, pause_start FROM sandboxes WHERE ids_start IS NOT NULL AND pause_pid IS NOT NULL AND pause_start IS NOT NULL");
        using var r = cmd.ExecuteReader();
        var pauses = new List<(string, int, ulong)>();
        while (r.Read())
        {
            pauses.Add((r.GetString(0), r.GetInt32(1), (ulong)r.GetInt64(2)));
        }
        return pauses;
    }

    /// <summary>One sandbox by its key: not every sandbox's config read to find it (each stop, removal and status asks).</summary>
    public SandboxEntry? FindSandbox(string id)
    {
        var cmd = Command($"SELECT {SandboxColumns} FROM sandboxes WHERE id = $id", ("$id", id));
        return ReadSandboxes(cmd).FirstOrDefault();
    }

    private static List<SandboxEntry> ReadSandboxes(SqliteQuery cmd)
    {
        using var r = cmd.ExecuteReader();
        var list = new List<SandboxEntry>();
        while (r.Read())
        {
            list.Add(ReadSandbox(r));
        }
        return list;
    }

    /// <summary>Removes the sandbox's row, its containers' rows and so its range.</summary>
    public void DeleteSandbox(string id)
    {
        using var tx = _db.BeginImmediate();
        Exec("DELETE FROM sandbox_containers WHERE sandbox_id = $id", ("$id", id));
        Exec("DELETE FROM sandboxes WHERE id = $id", ("$id", id));
        tx.Commit();
    }

    /// <summary>Records a new container; its name and attempt must be free in the sandbox (CRI reserves <c>name_attempt</c>).</summary>
    public ContainerEntry CreateContainer(ContainerEntry c)
    {
        using var tx = _db.BeginImmediate();
        if (Scalar("SELECT id FROM sandbox_containers WHERE sandbox_id = $sb AND name = $name AND attempt = $attempt",
                ("$sb", c.SandboxId), ("$name", c.Config.Name), ("$attempt", (long)c.Config.Attempt)) is string existing)
        {
            throw new RuntimeError(ErrorKind.AlreadyExists,
                $"container name \"{c.Config.Name}\" attempt {c.Config.Attempt} is reserved for container {existing} in sandbox {c.SandboxId}");
        }
        var now = DateTimeOffset.UtcNow;
        Exec("""
            INSERT INTO sandbox_containers(id, sandbox_id, name, attempt, config, image_id, image_ref, log_path, state, created)
            VALUES ($id, $sb, $name, $attempt, $config, $image, $ref, $log, $state, $created)
            """,
            ("$id", c.Id), ("$sb", c.SandboxId), ("$name", c.Config.Name), ("$attempt", (long)c.Config.Attempt),
            ("$config", StoredConfigs.Container.Write(c.Config)), ("$image", c.ImageId), ("$ref", c.ImageRef), ("$log", c.LogPath),
            ("$state", c.State.ToString()), ("$created", Time(now)));
        tx.Commit();
        return c with { Created = now };
    }

    public void UpdateContainer(ContainerEntry c) =>
        Exec("UPDATE sandbox_containers SET state = $state, started = $started, pid = $pid, reason = $reason, message = $message WHERE id = $id",
            ("$id", c.Id), ("$state", c.State.ToString()), ("$started", c.Started is { } s ? Time(s) : null), ("$pid", c.Pid),
            ("$reason", c.Reason), ("$message", c.Message));

    public IReadOnlyList<ContainerEntry> SandboxContainers(string? sandboxId = null)
    {
        var cmd = sandboxId is null
            ? Command($"SELECT {ContainerColumns} FROM sandbox_containers ORDER BY created")
            : Command($"SELECT {ContainerColumns} FROM sandbox_containers WHERE sandbox_id = $sb ORDER BY created", ("$sb", sandboxId));
        return ReadContainers(cmd);
    }

    /// <summary>One container by its key: not every container's config read to find it (each start, stop and status asks).</summary>
    public ContainerEntry? FindContainer(string id)
    {
        var cmd = Command($"SELECT {ContainerColumns} FROM sandbox_containers WHERE id = $id", ("$id", id));
        return ReadContainers(cmd).FirstOrDefault();
    }

    private static List<ContainerEntry> ReadContainers(SqliteQuery cmd)
    {
        using var r = cmd.ExecuteReader();
        var list = new List<ContainerEntry>();
        while (r.Read())
        {
            list.Add(new ContainerEntry
            {
                Id = r.GetString(0), SandboxId = r.GetString(1),
                Config = StoredConfigs.Container.Read(r.GetString(2)) ?? throw new InvalidDataException($"container {r.GetString(0)}: no config"),
                ImageId = r.GetString(3), ImageRef = r.GetString(4), LogPath = r.GetString(5),
                State = Enum.Parse<CtrState>(r.GetString(6)), Created = ParseTime(r.GetString(7)), Started = ParseTime(r.GetValue(8)),
                Pid = r.IsDBNull(9) ? null : r.GetInt32(9), Reason = r.IsDBNull(10) ? null : r.GetString(10),
                Message = r.IsDBNull(11) ? null : r.GetString(11),
            });
        }
        return list;
    }


    public void DeleteContainer(string id) => Exec("DELETE FROM sandbox_containers WHERE id = $id", ("$id", id));

    private static SandboxEntry ReadSandbox(SqliteRows r) => new()
    {
        Id = r.GetString(0),
        Config = StoredConfigs.Sandbox.Read(r.GetString(1)) ?? throw new InvalidDataException($"sandbox {r.GetString(0)}: no config"),
        State = Enum.Parse<SandboxState>(r.GetString(2)), Created = ParseTime(r.GetString(3)),
        PausePid = r.IsDBNull(4) ? null : r.GetInt32(4), PauseStartTime = r.IsDBNull(5) ? null : (ulong)r.GetInt64(5),
        BootId = r.IsDBNull(6) ? null : r.GetString(6),
    };

    private const string SandboxTables = """
        CREATE TABLE sandboxes(
          id TEXT PRIMARY KEY, owner TEXT NOT NULL, name TEXT NOT NULL, namespace TEXT NOT NULL, uid TEXT NOT NULL,
          attempt INTEGER NOT NULL, config TEXT NOT NULL, state TEXT NOT NULL, created TEXT NOT NULL,
          ids_start INTEGER, ids_length INTEGER, pause_pid INTEGER, pause_start INTEGER, boot_id TEXT,
          UNIQUE(owner, namespace, name, uid, attempt));
        CREATE TABLE sandbox_containers(
          id TEXT PRIMARY KEY, sandbox_id TEXT NOT NULL REFERENCES sandboxes(id) ON DELETE CASCADE,
          name TEXT NOT NULL, attempt INTEGER NOT NULL, config TEXT NOT NULL, image_id TEXT NOT NULL, image_ref TEXT NOT NULL,
          log_path TEXT NOT NULL, state TEXT NOT NULL, created TEXT NOT NULL, started TEXT, pid INTEGER, reason TEXT, message TEXT,
          UNIQUE(sandbox_id, name, attempt));
        """;
}

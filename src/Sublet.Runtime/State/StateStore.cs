using System.Globalization;
using Sublet.IdMapping;
using Sublet.Linux.Sqlite;

namespace Sublet.Runtime.State;

/// <summary>
/// The embedded state database (SQLite, WAL, busy timeout). Several <c>sublet</c> processes use
/// it at once; each decision is one IMMEDIATE transaction, so two processes never both read a
/// range as free (SQLite takes the write lock at BEGIN IMMEDIATE; https://sqlite.org/lang_transaction.html).
/// </summary>
public sealed partial class StateStore : IDisposable
{
    private readonly SqliteDb _db;
    private readonly bool _owned = true;

    /// <summary>The same connection, which this handle does not close: see <see cref="Borrow"/>.</summary>
    private StateStore(SqliteDb db, string path)
    {
        _db = db;
        Path = path;
        _owned = false;
    }

    public StateStore(string stateRoot)
    {
        Directory.CreateDirectory(stateRoot);
        File.SetUnixFileMode(stateRoot, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        Path = System.IO.Path.Combine(stateRoot, "state.db");
        _db = new SqliteDb(Path); // waits out other processes' locks (SqliteDb.BusyWait)
        // Per connection: foreign keys are not stored in the database file. In WAL mode
        // synchronous NORMAL syncs at checkpoints, not at every commit: a commit can't corrupt
        // the store, and one lost to a power cut went with every process it described (a reboot
        // ends all pods; their records are read as gone by boot ID). FULL cost two fsyncs a commit,
        // 2-5 ms each here, on the pod-start path (https://sqlite.org/pragma.html#pragma_synchronous).
        Exec("PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;");
        // A store at the current schema needs nothing more: WAL mode is stored in the file
        // (https://sqlite.org/wal.html, "persistence of WAL mode"), and skipping the schema
        // statements spares every command a write lock and a parse (issue 23: ps, ids, images).
        if (SchemaVersion() < Migrations.Length)
        {
            CreateSchema();
        }
    }

    private long SchemaVersion() => Convert.ToInt64(Scalar("PRAGMA user_version") ?? 0L, CultureInfo.InvariantCulture);

    private void CreateSchema()
    {
        Exec("PRAGMA journal_mode = WAL;");
        Exec("""
            CREATE TABLE IF NOT EXISTS pods(
              id TEXT PRIMARY KEY, name TEXT NOT NULL, namespace TEXT NOT NULL, uid TEXT NOT NULL,
              plan TEXT NOT NULL, state TEXT NOT NULL, created TEXT NOT NULL, reason TEXT,
              pause_pid INTEGER, pause_start INTEGER, boot_id TEXT,
              UNIQUE(namespace, name));
            CREATE TABLE IF NOT EXISTS id_allocations(
              pod_id TEXT PRIMARY KEY REFERENCES pods(id) ON DELETE CASCADE,
              start INTEGER NOT NULL, length INTEGER NOT NULL, created TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS containers(
              id TEXT PRIMARY KEY, pod_id TEXT NOT NULL REFERENCES pods(id) ON DELETE CASCADE,
              name TEXT NOT NULL, image TEXT NOT NULL, image_id TEXT, state TEXT NOT NULL,
              pid INTEGER, started TEXT, finished TEXT, exit_code INTEGER, reason TEXT,
              restart_count INTEGER NOT NULL DEFAULT 0, ordinal INTEGER NOT NULL DEFAULT 0);
            """);
        Migrate();
    }

    /// <summary>Schema changes after the first release of the tables, in order; PRAGMA user_version counts the ones applied.</summary>
    private static readonly string[] Migrations =
    [
        """
        ALTER TABLE containers ADD COLUMN next_start TEXT;
        ALTER TABLE containers ADD COLUMN last_exit_code INTEGER;
        ALTER TABLE containers ADD COLUMN last_finished TEXT;
        ALTER TABLE containers ADD COLUMN last_reason TEXT;
        """,
        // Termination messages (state.terminated.message, lastState.terminated.message).
        """
        ALTER TABLE containers ADD COLUMN message TEXT;
        ALTER TABLE containers ADD COLUMN last_message TEXT;
        """,
        // ConfigMap, Secret and Namespace objects that `apply` and `play` store for pods to use.
        """
        CREATE TABLE objects(
          kind TEXT NOT NULL, namespace TEXT NOT NULL, name TEXT NOT NULL, json TEXT NOT NULL,
          created TEXT NOT NULL, updated TEXT NOT NULL,
          PRIMARY KEY(kind, namespace, name));
        """,
        // The runtime core's sandboxes and containers (issue 20): random IDs, owner, attempt, config.
        SandboxTables,
        // A play container's row is its name's: each attempt gets a random ID (issue 20 item 3).
        "CREATE UNIQUE INDEX IF NOT EXISTS containers_by_name ON containers(pod_id, name);",
    ];

    private void Migrate()
    {
        using var tx = _db.BeginImmediate();
        var version = (int)SchemaVersion();
        for (var i = version; i < Migrations.Length; i++)
        {
            Exec(Migrations[i]);
        }
        if (version < Migrations.Length)
        {
            Exec($"PRAGMA user_version = {Migrations.Length}");
        }
        tx.Commit();
    }

    /// <summary>Runs <paramref name="body"/> in one write transaction (BEGIN IMMEDIATE): a read-decide-write no other process interleaves with.</summary>
    public T InTransaction<T>(Func<T> body)
    {
        using var tx = _db.BeginImmediate();
        var result = body();
        tx.Commit();
        return result;
    }

    public string Path { get; }

    /// <summary>
    /// Records a new pod of <c>play</c>; the name must be free in its namespace. Its sandbox, recorded
    /// by the runtime core under the same ID, holds its ID range and pause process.
    /// </summary>
    public PodRecord CreatePod(PodRecord pod)
    {
        using var tx = _db.BeginImmediate();
        if (Scalar("SELECT id FROM pods WHERE namespace = $ns AND name = $name", ("$ns", pod.Namespace), ("$name", pod.Name)) is string existing)
        {
            throw NameTaken(pod.Namespace, pod.Name, existing);
        }
        var now = DateTimeOffset.UtcNow;
        Exec("""
            INSERT INTO pods(id, name, namespace, uid, plan, state, created, boot_id)
            VALUES ($id, $name, $ns, $uid, $plan, $state, $created, $boot)
            """,
            ("$id", pod.Id), ("$name", pod.Name), ("$ns", pod.Namespace), ("$uid", pod.Uid), ("$plan", pod.PlanJson),
            ("$state", pod.State.ToString()), ("$created", Time(now)), ("$boot", pod.BootId));
        tx.Commit();
        return FindPodById(pod.Id) ?? pod with { Created = now };
    }

    private static StateConflictException NameTaken(string ns, string name, string id) =>
        new($"pod \"{ns}/{name}\" already exists (id {id[..Math.Min(12, id.Length)]})") { ExistingPod = name };

    /// <summary>Every recorded range, whichever pod or sandbox holds it.</summary>
    public IReadOnlyList<Allocation> Allocations()
    {
        var cmd = Command("""
            SELECT a.pod_id, p.name, p.namespace, a.start, a.length, a.created
            FROM id_allocations a JOIN pods p ON p.id = a.pod_id
            UNION ALL
            SELECT id, name, namespace, ids_start, ids_length, created FROM sandboxes WHERE ids_start IS NOT NULL
            ORDER BY 4
            """);
        using var r = cmd.ExecuteReader();
        var list = new List<Allocation>();
        while (r.Read())
        {
            list.Add(new Allocation(r.GetString(0), r.GetString(1), r.GetString(2),
                new IdRange((uint)r.GetInt64(3), (uint)r.GetInt64(4)), ParseTime(r.GetString(5))));
        }
        return list;
    }

    /// <summary>Removes the pod and its containers (and the range of a pod recorded before its sandbox held it).</summary>
    public void DeletePod(string podId)
    {
        using var tx = _db.BeginImmediate();
        Exec("DELETE FROM containers WHERE pod_id = $id", ("$id", podId));
        Exec("DELETE FROM id_allocations WHERE pod_id = $id", ("$id", podId));
        Exec("DELETE FROM pods WHERE id = $id", ("$id", podId));
        tx.Commit();
    }

    /// <summary>
    /// A handle on this store's connection whose disposal leaves it open, for code that opens and
    /// disposes a store per operation (the runtime core) when it runs on this one thread (a CLI
    /// command): each connection opened costs a command about a millisecond. Not for concurrent use.
    /// </summary>
    public StateStore Borrow() => new(_db, Path);

    public void Dispose()
    {
        if (_owned)
        {
            _db.Dispose();
        }
    }

    private static string Time(DateTimeOffset t) => t.UtcDateTime.ToString("O", CultureInfo.InvariantCulture);

    private static DateTimeOffset ParseTime(string s) => DateTimeOffset.Parse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);

    private static DateTimeOffset? ParseTime(object? value) => value is string s ? ParseTime(s) : null;

    private SqliteQuery Command(string sql, params (string Name, object? Value)[] args) => _db.Query(sql, args);

    private int Exec(string sql, params (string Name, object? Value)[] args) => Command(sql, args).ExecuteNonQuery();

    private object? Scalar(string sql, params (string Name, object? Value)[] args) => Command(sql, args).ExecuteScalar();
}

/// <summary>The request clashes with what is recorded (a pod of that name exists, …).</summary>
public sealed class StateConflictException(string message) : Exception(message)
{
    /// <summary>The play pod in the way, which removing would resolve the clash (the CLI says how).</summary>
    public string? ExistingPod { get; init; }
}

/// <summary>No pod or container of that name or id.</summary>
public sealed class NotFoundException(string message) : Exception(message);

using Sublet.IdMapping;
using Sublet.Linux.Sqlite;

namespace Sublet.Runtime.State;

public sealed partial class StateStore
{
    /// <summary>
    /// A pod's range and pause process are its sandbox's (the runtime core's row of the same ID);
    /// pods started before play ran on the core kept theirs in <c>id_allocations</c> and <c>pods</c>.
    /// </summary>
    private const string PodColumns = """
        SELECT p.id, p.name, p.namespace, p.uid, p.plan, p.state, p.created, p.reason,
               COALESCE(s.pause_pid, p.pause_pid), COALESCE(s.pause_start, p.pause_start),
               p.boot_id, COALESCE(s.ids_start, a.start), COALESCE(s.ids_length, a.length)
        FROM pods p LEFT JOIN id_allocations a ON a.pod_id = p.id LEFT JOIN sandboxes s ON s.id = p.id
        """;

    public IReadOnlyList<PodRecord> Pods()
    {
        var cmd = Command(PodColumns + " ORDER BY p.created, p.name");
        return ReadPods(cmd);
    }

    /// <summary>The pod recorded under exactly this ID.</summary>
    public PodRecord? FindPodById(string id)
    {
        var cmd = Command(PodColumns + " WHERE p.id = $id", ("$id", id));
        return ReadPods(cmd).FirstOrDefault();
    }

    /// <summary>
    /// By name (any namespace when unique; <c>ns/name</c> to choose), full id or id prefix. Asks
    /// for the matching rows only: every sync, wait round and exit hook of a play pod looks its pod
    /// up, and reading every pod's plan for that made each cost more the more pods ran (issue 23).
    /// </summary>
    public PodRecord? FindPod(string key)
    {
        var (ns, name) = key.Contains('/') ? (key[..key.IndexOf('/')], key[(key.IndexOf('/') + 1)..]) : (null, key);
        var byNameCmd = ns is null
            ? Command(PodColumns + " WHERE p.name = $name ORDER BY p.created, p.name", ("$name", name))
            : Command(PodColumns + " WHERE p.name = $name AND p.namespace = $ns", ("$name", name), ("$ns", ns));
        var byName = ReadPods(byNameCmd);
        if (byName.Count == 1)
        {
            return byName[0];
        }
        if (byName.Count > 1)
        {
            throw new StateConflictException($"pod name \"{name}\" is used in namespaces {string.Join(", ", byName.Select(p => p.Namespace))}: say which as NAMESPACE/{name}");
        }
        if (key.Length < 4)
        {
            return null;
        }
        // substr, not LIKE: a key's % or _ are not wildcards.
        var byIdCmd = Command(PodColumns + " WHERE substr(p.id, 1, length($key)) = $key LIMIT 2", ("$key", key));
        var byId = ReadPods(byIdCmd);
        return byId.Count == 1 ? byId[0] : null;
    }

    public void UpdatePod(PodRecord pod) =>
        Exec("""
            UPDATE pods SET state = $state, reason = $reason, pause_pid = $pid, pause_start = $start, boot_id = $boot WHERE id = $id
            """,
            ("$id", pod.Id), ("$state", pod.State.ToString()), ("$reason", pod.Reason), ("$pid", pod.PausePid),
            ("$start", pod.PauseStartTime is { } s ? (long)s : null), ("$boot", pod.BootId));

    public void SaveContainer(ContainerRecord c, int ordinal) =>
        Exec("""
            INSERT INTO containers(id, pod_id, name, image, image_id, state, pid, started, finished, exit_code, reason, restart_count, ordinal,
              next_start, last_exit_code, last_finished, last_reason, message, last_message)
            VALUES ($id, $pod, $name, $image, $imageId, $state, $pid, $started, $finished, $exit, $reason, $restarts, $ordinal,
              $next, $lastExit, $lastFinished, $lastReason, $message, $lastMessage)
            ON CONFLICT(pod_id, name) DO UPDATE SET id = excluded.id, state = excluded.state, pid = excluded.pid, started = excluded.started,
              finished = excluded.finished, exit_code = excluded.exit_code, reason = excluded.reason,
              restart_count = excluded.restart_count, image_id = excluded.image_id, next_start = excluded.next_start,
              last_exit_code = excluded.last_exit_code, last_finished = excluded.last_finished,
              last_reason = excluded.last_reason, message = excluded.message, last_message = excluded.last_message
            """,
            ("$id", c.Id), ("$pod", c.PodId), ("$name", c.Name), ("$image", c.Image), ("$imageId", c.ImageId),
            ("$state", c.State.ToString()), ("$pid", c.Pid), ("$started", c.Started is { } st ? Time(st) : null),
            ("$finished", c.Finished is { } f ? Time(f) : null), ("$exit", c.ExitCode), ("$reason", c.Reason),
            ("$restarts", c.RestartCount), ("$ordinal", ordinal), ("$next", c.NextStart is { } n ? Time(n) : null),
            ("$lastExit", c.LastExitCode), ("$lastFinished", c.LastFinished is { } lf ? Time(lf) : null), ("$lastReason", c.LastReason),
            ("$message", c.Message), ("$lastMessage", c.LastMessage));

    /// <summary>The pod whose container (this attempt) has <paramref name="containerId"/>; null when none has.</summary>
    public string? PodOfContainer(string containerId) => Scalar("SELECT pod_id FROM containers WHERE id = $id", ("$id", containerId)) as string;

    /// <summary>Updates a container already recorded (its position in the pod stays).</summary>
    public void UpdateContainer(ContainerRecord c) => SaveContainer(c, ordinal: -1);

    public IReadOnlyList<ContainerRecord> Containers(string podId)
    {
        var cmd = Command("""
            SELECT id, pod_id, name, image, image_id, state, pid, started, finished, exit_code, reason, restart_count,
                   next_start, last_exit_code, last_finished, last_reason, message, last_message
            FROM containers WHERE pod_id = $pod ORDER BY ordinal
            """, ("$pod", podId));
        using var r = cmd.ExecuteReader();
        var list = new List<ContainerRecord>();
        while (r.Read())
        {
            list.Add(new ContainerRecord
            {
                Id = r.GetString(0), PodId = r.GetString(1), Name = r.GetString(2), Image = r.GetString(3),
                ImageId = r.IsDBNull(4) ? null : r.GetString(4),
                State = Enum.Parse<ContainerState>(r.GetString(5)),
                Pid = r.IsDBNull(6) ? null : r.GetInt32(6),
                Started = ParseTime(r.GetValue(7)), Finished = ParseTime(r.GetValue(8)),
                ExitCode = r.IsDBNull(9) ? null : r.GetInt32(9),
                Reason = r.IsDBNull(10) ? null : r.GetString(10),
                RestartCount = r.GetInt32(11),
                NextStart = ParseTime(r.GetValue(12)),
                LastExitCode = r.IsDBNull(13) ? null : r.GetInt32(13),
                LastFinished = ParseTime(r.GetValue(14)),
                LastReason = r.IsDBNull(15) ? null : r.GetString(15),
                Message = r.IsDBNull(16) ? null : r.GetString(16),
                LastMessage = r.IsDBNull(17) ? null : r.GetString(17),
            });
        }
        return list;
    }

    private static List<PodRecord> ReadPods(SqliteQuery cmd)
    {
        using var r = cmd.ExecuteReader();
        var list = new List<PodRecord>();
        while (r.Read())
        {
            list.Add(new PodRecord
            {
                Id = r.GetString(0), Name = r.GetString(1), Namespace = r.GetString(2), Uid = r.GetString(3),
                PlanJson = r.GetString(4), State = Enum.Parse<PodState>(r.GetString(5)), Created = ParseTime(r.GetString(6)),
                Reason = r.IsDBNull(7) ? null : r.GetString(7),
                PausePid = r.IsDBNull(8) ? null : r.GetInt32(8),
                PauseStartTime = r.IsDBNull(9) ? null : (ulong)r.GetInt64(9),
                BootId = r.IsDBNull(10) ? null : r.GetString(10),
                Ids = r.IsDBNull(11) ? null : new IdRange((uint)r.GetInt64(11), (uint)r.GetInt64(12)),
            });
        }
        return list;
    }
}

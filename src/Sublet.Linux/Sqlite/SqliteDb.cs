using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using Sublet.Linux.Interop;

namespace Sublet.Linux.Sqlite;

/// <summary>A database could not be opened, read or written; the message is SQLite's, with the file.</summary>
public sealed class SqliteError(string message, int code) : IOException(message)
{
    /// <summary>SQLite's result code (https://sqlite.org/rescode.html).</summary>
    public int Code => code;
}

/// <summary>
/// One SQLite connection: statements with named parameters, rows read forward, BEGIN IMMEDIATE
/// transactions. Several <c>sublet</c> processes share one database, so a lock another holds is
/// waited out: by SQLite's busy handler (sqlite3_busy_timeout), and where SQLite returns
/// SQLITE_BUSY or SQLITE_LOCKED without calling it (a journal-mode change or schema read racing
/// another connection's, https://sqlite.org/c3ref/busy_handler.html) by resetting the statement
/// and trying again until <see cref="BusyWait"/> has passed, as Microsoft.Data.Sqlite did.
/// </summary>
public sealed class SqliteDb : IDisposable
{
    /// <summary>How long a statement waits for a lock before its SQLITE_BUSY is an error.</summary>
    public static readonly TimeSpan BusyWait = TimeSpan.FromSeconds(60);

    private readonly string _path;
    private nint _db;

    public SqliteDb(string path)
    {
        _path = path;
        var rc = Sqlite3.OpenV2(path, out _db, Sqlite3.SQLITE_OPEN_READWRITE | Sqlite3.SQLITE_OPEN_CREATE, 0);
        if (rc != Sqlite3.SQLITE_OK)
        {
            var error = Error(rc);
            Dispose();
            throw error;
        }
        // Before the first statement: the handler then covers every lock wait, the PRAGMAs included.
        Sqlite3.BusyTimeout(_db, (int)BusyWait.TotalMilliseconds);
    }

    /// <summary><paramref name="sql"/> with its <c>$name</c> parameters bound to <paramref name="args"/> (null binds NULL).</summary>
    public SqliteQuery Query(string sql, params (string Name, object? Value)[] args) => new(this, sql, args);

    /// <summary>BEGIN IMMEDIATE: the write lock now (waited for); disposing the transaction uncommitted rolls it back.</summary>
    public SqliteTx BeginImmediate()
    {
        Query("BEGIN IMMEDIATE").ExecuteNonQuery();
        return new SqliteTx(this);
    }

    internal nint Handle => _db != 0 ? _db : throw new ObjectDisposedException(nameof(SqliteDb));

    internal SqliteError Error(int rc)
    {
        var message = Marshal.PtrToStringUTF8(_db != 0 ? Sqlite3.ErrMsg(_db) : Sqlite3.ErrStr(rc));
        return new SqliteError($"{_path}: SQLite error {rc}: {message}", rc);
    }

    /// <summary>
    /// Runs <paramref name="attempt"/> until it returns something other than SQLITE_BUSY or
    /// SQLITE_LOCKED (extended codes included) or <see cref="BusyWait"/> has passed;
    /// <paramref name="reset"/> runs before each retry.
    /// </summary>
    internal static int Retrying(Func<int> attempt, Action? reset = null)
    {
        var started = Stopwatch.GetTimestamp();
        while (true)
        {
            var rc = attempt();
            if ((rc & 0xff) is not (Sqlite3.SQLITE_BUSY or Sqlite3.SQLITE_LOCKED) || Stopwatch.GetElapsedTime(started) >= BusyWait)
            {
                return rc;
            }
            reset?.Invoke();
            Thread.Sleep(5);
        }
    }

    public void Dispose()
    {
        if (_db != 0)
        {
            Sqlite3.CloseV2(_db); // v2: statements a caller leaked are finalized with it, not left to fail the close
            _db = 0;
        }
    }
}

/// <summary>One or more statements (run in order by <see cref="ExecuteNonQuery"/>), or one SELECT read by <see cref="ExecuteReader"/>.</summary>
public sealed class SqliteQuery
{
    private readonly SqliteDb _db;
    private readonly string _sql;
    private readonly (string Name, object? Value)[] _args;

    internal SqliteQuery(SqliteDb db, string sql, (string Name, object? Value)[] args) => (_db, _sql, _args) = (db, sql, args);

    /// <summary>Runs every statement to its end; the rows changed by the last one (sqlite3_changes).</summary>
    public int ExecuteNonQuery()
    {
        var changes = 0;
        foreach (var statement in Statements())
        {
            using var rows = new SqliteRows(_db, statement);
            while (rows.Read())
            {
            }
            changes = Sqlite3.Changes(_db.Handle);
        }
        return changes;
    }

    /// <summary>The first column of the first row; null for none or NULL.</summary>
    public object? ExecuteScalar()
    {
        using var rows = ExecuteReader();
        return rows.Read() ? rows.GetValue(0) : null;
    }

    public SqliteRows ExecuteReader()
    {
        using var statements = Statements().GetEnumerator();
        return statements.MoveNext() ? new SqliteRows(_db, statements.Current) : throw new ArgumentException("no statement", nameof(_sql));
    }

    /// <summary>The text's statements, prepared one at a time (each sees what the one before did) and bound.</summary>
    private IEnumerable<nint> Statements()
    {
        var length = Encoding.UTF8.GetByteCount(_sql);
        var text = Marshal.StringToCoTaskMemUTF8(_sql);
        try
        {
            var offset = 0;
            while (offset < length)
            {
                nint statement = 0, tail = 0;
                var rc = SqliteDb.Retrying(() => Sqlite3.PrepareV2(_db.Handle, text + offset, length - offset, out statement, out tail));
                if (rc != Sqlite3.SQLITE_OK)
                {
                    throw _db.Error(rc);
                }
                offset = tail == 0 ? length : (int)(tail - text);
                if (statement == 0)
                {
                    continue; // only whitespace or a comment
                }
                Bind(statement);
                yield return statement;
            }
        }
        finally
        {
            Marshal.FreeCoTaskMem(text);
        }
    }

    private void Bind(nint statement)
    {
        foreach (var (name, value) in _args)
        {
            var index = Sqlite3.BindParameterIndex(statement, name);
            if (index == 0)
            {
                continue; // a parameter of another statement of this text
            }
            var rc = value switch
            {
                null or DBNull => Sqlite3.BindNull(statement, index),
                string s => BindText(statement, index, s),
                long l => Sqlite3.BindInt64(statement, index, l),
                int i => Sqlite3.BindInt64(statement, index, i),
                double d => Sqlite3.BindDouble(statement, index, d),
                bool b => Sqlite3.BindInt64(statement, index, b ? 1 : 0),
                _ => Fail(statement, $"parameter {name}: {value.GetType().Name} is not bound by the store"),
            };
            if (rc != Sqlite3.SQLITE_OK)
            {
                Sqlite3.Finalize(statement);
                throw _db.Error(rc);
            }
        }
    }

    /// <summary>One byte longer than the text: an empty string still passes a pointer (a null one binds NULL).</summary>
    private static int BindText(nint statement, int index, string value)
    {
        var utf8 = new byte[Encoding.UTF8.GetByteCount(value) + 1];
        var length = Encoding.UTF8.GetBytes(value, utf8);
        return Sqlite3.BindText(statement, index, utf8, length, Sqlite3.Transient);
    }

    private static int Fail(nint statement, string message)
    {
        Sqlite3.Finalize(statement);
        throw new ArgumentException(message);
    }
}

/// <summary>The rows of one prepared statement, read forward; disposing finalizes it.</summary>
public sealed class SqliteRows : IDisposable
{
    private readonly SqliteDb _db;
    private nint _statement;
    private bool _started;

    internal SqliteRows(SqliteDb db, nint statement) => (_db, _statement) = (db, statement);

    /// <summary>
    /// The next row. The first step, which takes the statement's locks, is retried while another
    /// connection holds them; a later one has returned rows already, and a retry would repeat them.
    /// </summary>
    public bool Read()
    {
        var statement = _statement != 0 ? _statement : throw new ObjectDisposedException(nameof(SqliteRows));
        var rc = _started ? Sqlite3.Step(statement) : SqliteDb.Retrying(() => Sqlite3.Step(statement), () => Sqlite3.Reset(statement));
        _started = true;
        return rc switch
        {
            Sqlite3.SQLITE_ROW => true,
            Sqlite3.SQLITE_DONE => false,
            _ => throw _db.Error(rc),
        };
    }

    public string GetString(int column)
    {
        var text = Sqlite3.ColumnText(_statement, column); // before ColumnBytes: the count is of the UTF-8 it converted to
        return text == 0 ? "" : Marshal.PtrToStringUTF8(text, Sqlite3.ColumnBytes(_statement, column));
    }

    public int GetInt32(int column) => checked((int)GetInt64(column));

    public long GetInt64(int column) => Sqlite3.ColumnInt64(_statement, column);

    public bool IsDBNull(int column) => Sqlite3.ColumnType(_statement, column) == Sqlite3.SQLITE_NULL;

    /// <summary>The column as SQLite stores it: long, double, string, byte[]; null for NULL.</summary>
    public object? GetValue(int column) => Sqlite3.ColumnType(_statement, column) switch
    {
        Sqlite3.SQLITE_INTEGER => GetInt64(column),
        Sqlite3.SQLITE_FLOAT => Sqlite3.ColumnDouble(_statement, column),
        Sqlite3.SQLITE_TEXT => GetString(column),
        Sqlite3.SQLITE_BLOB => Blob(column),
        _ => null,
    };

    private byte[] Blob(int column)
    {
        var data = Sqlite3.ColumnBlob(_statement, column);
        var bytes = new byte[Sqlite3.ColumnBytes(_statement, column)];
        if (bytes.Length > 0)
        {
            Marshal.Copy(data, bytes, 0, bytes.Length);
        }
        return bytes;
    }

    public void Dispose()
    {
        if (_statement != 0)
        {
            Sqlite3.Finalize(_statement);
            _statement = 0;
        }
    }
}

/// <summary>A BEGIN IMMEDIATE transaction: <see cref="Commit"/>, else rolled back on dispose.</summary>
public sealed class SqliteTx : IDisposable
{
    private readonly SqliteDb _db;
    private bool _ended;

    internal SqliteTx(SqliteDb db) => _db = db;

    public void Commit()
    {
        _db.Query("COMMIT").ExecuteNonQuery();
        _ended = true;
    }

    public void Dispose()
    {
        if (!_ended)
        {
            _ended = true;
            try
            {
                _db.Query("ROLLBACK").ExecuteNonQuery();
            }
            catch (SqliteError)
            {
                // SQLite rolled an aborted transaction back itself; nothing is left to undo.
            }
        }
    }
}

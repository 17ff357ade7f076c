using SQLitePCL;

namespace Sublet.Runtime.State;

/// <summary>The state database could not be opened, read or written; the message is SQLite's, with the file.</summary>
public sealed class StoreException(string message) : IOException(message);

/// <summary>
/// One SQLite connection through SQLitePCLRaw's binding of the C API (https://sqlite.org/c3ref/intro.html):
/// the part the store uses: statements with named parameters, rows, BEGIN IMMEDIATE transactions.
/// Microsoft.Data.Sqlite's first connection in a process started a pool-pruning timer thread even with
/// pooling off and found its provider by reflection: ~2 ms of every command and pod start (docs/benchmarks.md §6j).
/// </summary>
internal sealed class SqliteDb : IDisposable
{
    private readonly sqlite3 _db;
    private readonly string _path;

    static SqliteDb() => Batteries_V2.Init();

    public SqliteDb(string path)
    {
        _path = path;
        var rc = raw.sqlite3_open_v2(path, out _db, raw.SQLITE_OPEN_READWRITE | raw.SQLITE_OPEN_CREATE, null);
        if (rc != raw.SQLITE_OK)
        {
            var error = Error(rc);
            _db.Dispose();
            throw error;
        }
    }

    /// <summary><paramref name="sql"/> with its <c>$name</c> parameters bound to <paramref name="args"/> (null binds NULL).</summary>
    public SqliteQuery Query(string sql, (string Name, object? Value)[] args) => new(this, sql, args);

    /// <summary>BEGIN IMMEDIATE (the write lock now, waiting out the busy timeout); disposing it uncommitted rolls back.</summary>
    public SqliteTx BeginImmediate()
    {
        Query("BEGIN IMMEDIATE", []).ExecuteNonQuery();
        return new SqliteTx(this);
    }

    internal sqlite3 Handle => _db;

    internal StoreException Error(int rc)
    {
        var message = _db is { IsInvalid: false } ? raw.sqlite3_errmsg(_db).utf8_to_string() : raw.sqlite3_errstr(rc).utf8_to_string();
        return new StoreException($"{_path}: SQLite error {rc}: {message}");
    }

    public void Dispose() => _db.Dispose();
}

/// <summary>One or more statements (run in order by <see cref="ExecuteNonQuery"/>), or one SELECT read by <see cref="ExecuteReader"/>.</summary>
internal sealed class SqliteQuery(SqliteDb db, string sql, (string Name, object? Value)[] args)
{
    /// <summary>Runs every statement to its end; the rows changed by the last one (sqlite3_changes).</summary>
    public int ExecuteNonQuery()
    {
        var rest = sql;
        var changes = 0;
        while (Prepare(rest, out var tail) is { } statement)
        {
            using (statement)
            {
                int rc;
                while ((rc = raw.sqlite3_step(statement)) == raw.SQLITE_ROW)
                {
                }
                if (rc != raw.SQLITE_DONE)
                {
                    throw db.Error(rc);
                }
                changes = raw.sqlite3_changes(db.Handle);
            }
            rest = tail;
        }
        return changes;
    }

    /// <summary>The first column of the first row; null for none or NULL.</summary>
    public object? ExecuteScalar()
    {
        using var rows = ExecuteReader();
        return rows.Read() ? rows.GetValue(0) : null;
    }

    public SqliteRows ExecuteReader() => new(db, Prepare(sql, out _) ?? throw new ArgumentException("no statement", nameof(sql)));

    private sqlite3_stmt? Prepare(string text, out string tail)
    {
        tail = "";
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }
        var rc = raw.sqlite3_prepare_v2(db.Handle, text, out var statement, out tail);
        if (rc != raw.SQLITE_OK)
        {
            statement.Dispose();
            throw db.Error(rc);
        }
        if (statement.IsInvalid)
        {
            return null; // only whitespace or comments were left
        }
        foreach (var (name, value) in args)
        {
            var index = raw.sqlite3_bind_parameter_index(statement, name);
            if (index == 0)
            {
                continue; // a parameter of another statement of this text
            }
            rc = value switch
            {
                null or DBNull => raw.sqlite3_bind_null(statement, index),
                string s => raw.sqlite3_bind_text(statement, index, s),
                long l => raw.sqlite3_bind_int64(statement, index, l),
                int i => raw.sqlite3_bind_int64(statement, index, i),
                double d => raw.sqlite3_bind_double(statement, index, d),
                bool b => raw.sqlite3_bind_int64(statement, index, b ? 1 : 0),
                _ => throw new ArgumentException($"parameter {name}: {value.GetType().Name} is not bound by the store"),
            };
            if (rc != raw.SQLITE_OK)
            {
                statement.Dispose();
                throw db.Error(rc);
            }
        }
        return statement;
    }
}

/// <summary>The rows of one prepared statement, read forward.</summary>
internal sealed class SqliteRows(SqliteDb db, sqlite3_stmt statement) : IDisposable
{
    public bool Read()
    {
        var rc = raw.sqlite3_step(statement);
        return rc == raw.SQLITE_ROW || (rc == raw.SQLITE_DONE ? false : throw db.Error(rc));
    }

    public string GetString(int column) => raw.sqlite3_column_text(statement, column).utf8_to_string();

    public int GetInt32(int column) => raw.sqlite3_column_int(statement, column);

    public long GetInt64(int column) => raw.sqlite3_column_int64(statement, column);

    public bool IsDBNull(int column) => raw.sqlite3_column_type(statement, column) == raw.SQLITE_NULL;

    /// <summary>The column as SQLite stores it: long, double, string, byte[]; null for NULL.</summary>
    public object? GetValue(int column) => raw.sqlite3_column_type(statement, column) switch
    {
        raw.SQLITE_INTEGER => GetInt64(column),
        raw.SQLITE_FLOAT => raw.sqlite3_column_double(statement, column),
        raw.SQLITE_TEXT => GetString(column),
        raw.SQLITE_BLOB => raw.sqlite3_column_blob(statement, column).ToArray(),
        _ => null,
    };

    public void Dispose() => statement.Dispose();
}

/// <summary>A BEGIN IMMEDIATE transaction: <see cref="Commit"/> or <see cref="Rollback"/>, else rolled back on dispose.</summary>
internal sealed class SqliteTx(SqliteDb db) : IDisposable
{
    private bool _ended;

    public void Commit()
    {
        db.Query("COMMIT", []).ExecuteNonQuery();
        _ended = true;
    }

    public void Rollback()
    {
        _ended = true;
        db.Query("ROLLBACK", []).ExecuteNonQuery();
    }

    public void Dispose()
    {
        if (!_ended)
        {
            _ended = true;
            try
            {
                db.Query("ROLLBACK", []).ExecuteNonQuery();
            }
            catch (StoreException)
            {
                // SQLite rolls an aborted transaction back itself; nothing is left to undo.
            }
        }
    }
}

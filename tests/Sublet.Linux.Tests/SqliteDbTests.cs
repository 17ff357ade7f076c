using Sublet.Linux.Sqlite;

namespace Sublet.Linux.Tests;

/// <summary>The store's own SQLite binding: statements, parameters, rows, transactions and errors.</summary>
public sealed class SqliteDbTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sublet-sqlite-").FullName;
    private readonly SqliteDb _db;

    public SqliteDbTests() => _db = new SqliteDb(Path.Combine(_dir, "t.db"));

    public void Dispose()
    {
        _db.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public void Several_statements_run_in_order_and_parameters_bind_where_they_appear()
    {
        _db.Query("CREATE TABLE t(a TEXT, b INTEGER, c REAL); INSERT INTO t VALUES ($a, $b, 1.5);", [("$a", "x"), ("$b", 7L)]).ExecuteNonQuery();
        Assert.Equal(1, _db.Query("INSERT INTO t VALUES ($a, $b, NULL)", [("$a", null), ("$b", 8), ("$unused", "z")]).ExecuteNonQuery());

        using var rows = _db.Query("SELECT a, b, c FROM t ORDER BY b", []).ExecuteReader();
        Assert.True(rows.Read());
        Assert.Equal(("x", 7, 7L, 1.5), (rows.GetString(0), rows.GetInt32(1), rows.GetInt64(1), (double)rows.GetValue(2)!));
        Assert.True(rows.Read());
        Assert.True(rows.IsDBNull(0));
        Assert.Null(rows.GetValue(2));
        Assert.False(rows.Read());
        Assert.Equal(2L, _db.Query("SELECT count(*) FROM t", []).ExecuteScalar());
        Assert.Null(_db.Query("SELECT a FROM t WHERE b = 99", []).ExecuteScalar());
    }

    [Fact]
    public void A_transaction_not_committed_is_rolled_back()
    {
        _db.Query("CREATE TABLE t(a INTEGER)", []).ExecuteNonQuery();
        using (var tx = _db.BeginImmediate())
        {
            _db.Query("INSERT INTO t VALUES (1)", []).ExecuteNonQuery();
        }
        using (var tx = _db.BeginImmediate())
        {
            _db.Query("INSERT INTO t VALUES (2)", []).ExecuteNonQuery();
            tx.Commit();
        }
        Assert.Equal(2L, _db.Query("SELECT sum(a) FROM t", []).ExecuteScalar());
    }

    [Fact]
    public void Errors_are_store_exceptions_naming_the_file_and_sqlites_message()
    {
        var e = Assert.Throws<SqliteError>(() => _db.Query("SELECT * FROM missing", []).ExecuteReader());
        Assert.Contains("t.db: SQLite error 1: no such table: missing", e.Message);
        Assert.IsAssignableFrom<IOException>(e);
        _db.Query("CREATE TABLE u(a INTEGER PRIMARY KEY)", []).ExecuteNonQuery();
        _db.Query("INSERT INTO u VALUES (1)", []).ExecuteNonQuery();
        Assert.Contains("UNIQUE constraint failed", Assert.Throws<SqliteError>(() => _db.Query("INSERT INTO u VALUES (1)", []).ExecuteNonQuery()).Message);
        Assert.Throws<SqliteError>(() => new SqliteDb(Path.Combine(_dir, "no/such/dir/x.db")));
    }
}

using System.Runtime.InteropServices;

namespace Sublet.Linux.Interop;

/// <summary>
/// The part of SQLite's C API the state store uses (https://sqlite.org/c3ref/funclist.html). The
/// Native AOT executables link Debian's libsqlite3.a in (src/Native/Sqlite.targets: DirectPInvoke),
/// so no library is looked for at run time; a JIT build (the unit tests) loads libsqlite3.so.0.
/// </summary>
internal static partial class Sqlite3
{
    internal const string Name = "libsqlite3.so.0";

    // Result codes (https://sqlite.org/rescode.html); an extended code's low byte is its primary code.
    internal const int SQLITE_OK = 0;
    internal const int SQLITE_BUSY = 5;
    internal const int SQLITE_LOCKED = 6;
    internal const int SQLITE_ROW = 100;
    internal const int SQLITE_DONE = 101;

    // sqlite3_open_v2 flags (https://sqlite.org/c3ref/open.html).
    internal const int SQLITE_OPEN_READWRITE = 0x02;
    internal const int SQLITE_OPEN_CREATE = 0x04;
    internal const int SQLITE_OPEN_NOMUTEX = 0x8000; // one connection is used by one thread at a time
    internal const int SQLITE_OPEN_EXRESCODE = 0x02000000;

    // Fundamental datatypes (https://sqlite.org/c3ref/c_blob.html).
    internal const int SQLITE_INTEGER = 1;
    internal const int SQLITE_FLOAT = 2;
    internal const int SQLITE_TEXT = 3;
    internal const int SQLITE_BLOB = 4;
    internal const int SQLITE_NULL = 5;

    /// <summary>SQLITE_TRANSIENT: SQLite copies a bound value before the call returns.</summary>
    internal static readonly nint Transient = -1;

    [LibraryImport(Name, EntryPoint = "sqlite3_open_v2", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int OpenV2(string filename, out nint db, int flags, nint vfs);

    [LibraryImport(Name, EntryPoint = "sqlite3_close_v2")]
    internal static partial int CloseV2(nint db);

    [LibraryImport(Name, EntryPoint = "sqlite3_busy_timeout")]
    internal static partial int BusyTimeout(nint db, int milliseconds);

    [LibraryImport(Name, EntryPoint = "sqlite3_errmsg")]
    internal static partial nint ErrMsg(nint db);

    [LibraryImport(Name, EntryPoint = "sqlite3_errstr")]
    internal static partial nint ErrStr(int code);

    [LibraryImport(Name, EntryPoint = "sqlite3_prepare_v2")]
    internal static partial int PrepareV2(nint db, nint sql, int bytes, out nint statement, out nint tail);

    [LibraryImport(Name, EntryPoint = "sqlite3_step")]
    internal static partial int Step(nint statement);

    [LibraryImport(Name, EntryPoint = "sqlite3_reset")]
    internal static partial int Reset(nint statement);

    [LibraryImport(Name, EntryPoint = "sqlite3_finalize")]
    internal static partial int Finalize(nint statement);

    [LibraryImport(Name, EntryPoint = "sqlite3_changes")]
    internal static partial int Changes(nint db);

    [LibraryImport(Name, EntryPoint = "sqlite3_bind_parameter_index", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int BindParameterIndex(nint statement, string name);

    [LibraryImport(Name, EntryPoint = "sqlite3_bind_null")]
    internal static partial int BindNull(nint statement, int index);

    [LibraryImport(Name, EntryPoint = "sqlite3_bind_int64")]
    internal static partial int BindInt64(nint statement, int index, long value);

    [LibraryImport(Name, EntryPoint = "sqlite3_bind_double")]
    internal static partial int BindDouble(nint statement, int index, double value);

    [LibraryImport(Name, EntryPoint = "sqlite3_bind_text")]
    internal static partial int BindText(nint statement, int index, ReadOnlySpan<byte> utf8, int bytes, nint destructor);

    [LibraryImport(Name, EntryPoint = "sqlite3_column_type")]
    internal static partial int ColumnType(nint statement, int column);

    [LibraryImport(Name, EntryPoint = "sqlite3_column_int64")]
    internal static partial long ColumnInt64(nint statement, int column);

    [LibraryImport(Name, EntryPoint = "sqlite3_column_double")]
    internal static partial double ColumnDouble(nint statement, int column);

    [LibraryImport(Name, EntryPoint = "sqlite3_column_text")]
    internal static partial nint ColumnText(nint statement, int column);

    [LibraryImport(Name, EntryPoint = "sqlite3_column_blob")]
    internal static partial nint ColumnBlob(nint statement, int column);

    [LibraryImport(Name, EntryPoint = "sqlite3_column_bytes")]
    internal static partial int ColumnBytes(nint statement, int column);
}

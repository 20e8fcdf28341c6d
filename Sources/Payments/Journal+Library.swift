import GRDBSQLite

extension Journal {
    /// The SQLite library this process loaded ("3.40.1"): Debian's shared libsqlite3, so that
    /// `apt upgrade` changes it. Wraps `sqlite3_libversion`.
    public static var sqliteVersion: String { String(cString: sqlite3_libversion()) }
}

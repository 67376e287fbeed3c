import B24Catalog
import B24Wire
import Foundation
import GRDB
#if canImport(Glibc)
import Glibc
#endif

/// The SQLite database under `$XDG_STATE_HOME/b24/`: call history (full traces), plans and idempotency keys.
///
/// History rows stay small: a response over ``bodyThreshold`` has its `result` kept once in the `bodies` table,
/// under the SHA-256 of its text, and the row holds that hash and the envelope's small members (a call sent again
/// that brings the same result, with another `time`, adds no second copy).
/// Reading a call joins it back; pruning deletes the bodies no row refers to any more.
///
/// Several b24 processes (the console, CLI calls from scripts or an agent) may use the database at once, so it
/// runs in WAL mode with a busy timeout, writes are IMMEDIATE transactions, and first-time setup is serialized
/// by a lock file. The file and its WAL companions are readable by the owner only (they hold portal data).
///
/// JSON values (request parameters, responses, plan parameters) are stored as JSON text written by
/// `JSONWriter` and read back with `JSONParser`: Foundation's coders lose object key order and turn `2.0` into
/// `2`, and users read responses in portal order.
///
/// Every method throws ``B24Error``; database failures come as `.usage` with the path and SQLite's message.
public final class B24Store: @unchecked Sendable {
    /// The database file.
    public let path: URL
    /// The history this database keeps; applied by the periodic maintenance.
    public let retention: HistoryRetention
    /// How often opening the database also prunes it.
    public static let maintenanceInterval: TimeInterval = 3600
    // DatabasePool is itself thread-safe; it is the only state.
    private let pool: DatabasePool

    /// Opens (creating if needed) the database at `paths.databaseFile`, keeping the state directory private.
    public convenience init(paths: B24Paths, busyTimeout: TimeInterval = 10, retention: HistoryRetention = .standard) throws {
        try B24Paths.ensurePrivateDirectory(paths.stateDirectory)
        // The state directory is b24's own; tighten it even if it was created elsewhere with a looser mode.
        chmod(paths.stateDirectory.path, 0o700)
        try self.init(path: paths.databaseFile, busyTimeout: busyTimeout, retention: retention)
    }

    /// Opens (creating if needed) the database at `path`, imports the history inbox and, when the last
    /// maintenance is over ``maintenanceInterval`` old, deletes expired plans and idempotency keys and the
    /// history beyond `retention`.
    ///
    /// - Parameters:
    ///   - busyTimeout: how long a write waits for another process's write before failing.
    ///   - maintain: false skips the periodic pruning (`b24 history --prune` runs its own and reports it).
    public init(path: URL, busyTimeout: TimeInterval = 10, retention: HistoryRetention = .standard,
                maintain: Bool = true) throws {
        self.path = path
        self.retention = retention
        let directory = path.deletingLastPathComponent()
        do {
            try B24Paths.ensurePrivateDirectory(directory)
            try Self.preparePrivateFiles(path)
            var configuration = Configuration()
            configuration.busyMode = .timeout(busyTimeout)
            configuration.label = "b24.store"
            // In WAL mode NORMAL never corrupts the file and skips an fsync per commit; only the last commits
            // could roll back in a power cut. Every call writes history, so this is on each call's path.
            configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = NORMAL") }
            // Two processes creating the database at once could both try to set WAL mode and migrate; take turns.
            let openLock = FileLock(path: directory.appendingPathComponent(".\(path.lastPathComponent).open.lock"))
            pool = try openLock.withLock {
                let pool = try DatabasePool(path: path.path, configuration: configuration)
                try Self.migrator.migrate(pool)
                return pool
            }
            // A failed import or purge is not a reason to refuse calls; history reads retry the import and
            // report its error, `b24 history --prune` reports a purge's.
            try? HistoryInbox(database: path).importLines(into: pool)
            if maintain { _ = try? maintainIfDue() }
        } catch {
            throw Self.wrap(error, "cannot open the b24 database \(path.path)")
        }
    }

    /// Closes the database connections. Later calls fail.
    public func close() throws {
        do { try pool.close() } catch { throw Self.wrap(error, "cannot close \(path.path)") }
    }

    // MARK: - Schema

    /// Every schema step, in order (tests build a database of an older step with `migrate(_:upTo:)`).
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE history (
                    id TEXT PRIMARY KEY NOT NULL,
                    started_at REAL NOT NULL,          -- unix time
                    profile TEXT NOT NULL,
                    method TEXT NOT NULL,
                    api_version TEXT NOT NULL,
                    risk TEXT NOT NULL,
                    status TEXT NOT NULL,              -- ok / error / unknown
                    error_code TEXT,
                    duration REAL NOT NULL,            -- seconds
                    plan_id TEXT,
                    idempotency_key TEXT,
                    replayed INTEGER NOT NULL,
                    trace TEXT NOT NULL,               -- CallTrace (JSONEncoder) without its JSON values
                    request_params TEXT NOT NULL,      -- JSONWriter text, key order kept
                    response TEXT                      -- JSONWriter text, key order kept
                );
                CREATE INDEX history_started_at ON history(started_at);
                CREATE INDEX history_profile_method ON history(profile, method);
                CREATE TABLE plans (
                    id TEXT PRIMARY KEY NOT NULL,
                    profile TEXT NOT NULL,
                    method TEXT NOT NULL,
                    api_version TEXT NOT NULL,
                    params TEXT NOT NULL,              -- JSONWriter text
                    risk TEXT NOT NULL,
                    created_at REAL NOT NULL,
                    expires_at REAL NOT NULL,
                    used_at REAL
                );
                CREATE TABLE idempotency (
                    profile TEXT NOT NULL,
                    key TEXT NOT NULL,
                    method TEXT NOT NULL,
                    params_hash TEXT NOT NULL,
                    response TEXT NOT NULL,            -- JSONWriter text
                    created_at REAL NOT NULL,
                    expires_at REAL NOT NULL,
                    PRIMARY KEY (profile, key)
                );
                """)
        }
        // A key is claimed before its write is sent, so a second run (or a parallel one) never resends it.
        migrator.registerMigration("v2-idempotency-state") { db in
            try db.execute(sql: "ALTER TABLE idempotency ADD COLUMN state TEXT NOT NULL DEFAULT 'done'")
        }
        // When the periodic maintenance last ran (one row), so opening the database prunes at most hourly.
        migrator.registerMigration("v3-maintenance") { db in
            try db.execute(sql: "CREATE TABLE maintenance (name TEXT PRIMARY KEY NOT NULL, done_at REAL NOT NULL)")
        }
        // Large responses leave the history rows for a table of their own, so listing history reads small rows.
        migrator.registerMigration("v4-bodies") { db in try Self.moveLargeResponsesToBodies(db) }
        // Calls made together (the steps of a chain run) share a group, which history shows and filters by.
        migrator.registerMigration("v5-call-groups") { db in
            try db.execute(sql: "ALTER TABLE history ADD COLUMN call_group TEXT")
            try db.execute(sql: "CREATE INDEX history_call_group ON history(call_group)")
        }
        // A plan made from a reviewed diff keeps the old values of the fields it writes, to refuse a stale run.
        migrator.registerMigration("v5-plan-review") { db in
            try db.execute(sql: "ALTER TABLE plans ADD COLUMN expected TEXT")
            try db.execute(sql: "ALTER TABLE plans ADD COLUMN diff_hash TEXT")
        }
        // Events: the tail log, the offline worker's ledger, reserved processes, sink sizes and the DLQ.
        migrator.registerMigration("v5-events") { db in try Self.createEventTables(db) }
        // Where each export stands, so `b24 export --resume` continues after the last page written.
        migrator.registerMigration("v5-export-checkpoints") { db in try Self.createExportCheckpoints(db) }
        return migrator
    }

    // MARK: - History

    /// Stores a finished call (replacing an earlier record with the same id).
    ///
    /// The trace is stored as given: it is already masked, and the store neither masks nor alters anything.
    public func record(_ trace: CallTrace) throws {
        let row = HistoryRow(trace)
        try write("cannot store call \(trace.id) in history") { db in try row.insert(into: db) }
    }

    /// Stores several finished calls in one transaction (a bulk import; each as ``record(_:)`` would).
    public func record(contentsOf traces: [CallTrace]) throws {
        // Rows (and the hashes of their large responses) are made before the write lock is taken.
        let rows = traces.map(HistoryRow.init)
        try write("cannot store \(traces.count) calls in history") { db in
            for row in rows { try row.insert(into: db) }
        }
    }

    /// Moves the traces other processes left in the history inbox (see ``HistoryInbox``) into the database.
    /// Opening the store does it too; history reads do it first so they see every call.
    public func importHistoryInbox() throws {
        do { try HistoryInbox(database: path).importLines(into: pool) } catch {
            throw Self.wrap(error, "cannot import the history inbox of \(path.path)")
        }
    }

    /// Responses larger than this are summarized in history rather than kept whole. Large answers are stored
    /// once (see ``bodyThreshold``), so the limit only stops a runaway answer from filling the disk; it keeps a
    /// 20 MB list whole, so it can be read again from history.
    public static let historyResponseLimit = 32 << 20

    /// Responses whose JSON text is larger than this are kept in the `bodies` table, once per distinct text,
    /// and the history row refers to them by hash; smaller ones stay in the row (a second lookup would cost
    /// more than it saves).
    public static let bodyThreshold = 64 << 10

    /// The response text history keeps: whole, or for an answer over `limit` its size plus the envelope's small
    /// members.
    static func historyText(of response: JSONValue, limit: Int = historyResponseLimit) -> String {
        let text = JSONWriter.compact(response)
        guard text.utf8.count > limit else { return text }
        var summary: JSONObject = [
            "b24_history_note": .string("response of \(text.utf8.count) bytes not kept in history (limit \(limit) bytes)"),
        ]
        for key in ["total", "next", "time"] { if let value = response[key] { summary[key] = value } }
        return JSONWriter.compact(.object(summary))
    }

    /// The latest calls, newest first.
    ///
    /// - Parameters:
    ///   - profile: only calls of this profile.
    ///   - method: only this method (case-insensitive); a trailing `*` matches a prefix (`crm.deal.*`).
    public func recentHistory(limit: Int, profile: String? = nil, method: String? = nil) throws -> [HistoryEntry] {
        guard limit > 0 else { return [] }
        try importHistoryInbox()
        var clauses: [String] = []
        var arguments: [(any DatabaseValueConvertible)?] = []
        if let profile {
            clauses.append("profile = ?")
            arguments.append(profile)
        }
        if let method {
            if method.hasSuffix("*") {
                let prefix = method.dropLast().lowercased()
                clauses.append("substr(lower(method), 1, length(?)) = ?")
                arguments += [prefix, prefix]
            } else {
                clauses.append("method = ? COLLATE NOCASE")
                arguments.append(method)
            }
        }
        var sql = "SELECT id, started_at, profile, method, api_version, status, error_code, duration, risk, call_group FROM history"
        if !clauses.isEmpty { sql += " WHERE " + clauses.joined(separator: " AND ") }
        sql += " ORDER BY started_at DESC, rowid DESC LIMIT ?"
        arguments.append(limit)
        return try read("cannot read history") { db in
            try Row.fetchAll(db, sql: sql, arguments: StatementArguments(arguments)).map { row in
                HistoryEntry(
                    id: row["id"], startedAt: Date(timeIntervalSince1970: row["started_at"]),
                    profile: row["profile"], method: row["method"],
                    apiVersion: APIVersion(rawValue: row["api_version"]) ?? .v2, status: row["status"],
                    errorCode: row["error_code"], duration: row["duration"], risk: row["risk"], group: row["call_group"])
            }
        }
    }

    /// The full trace of a call by id, or by a prefix of the id that matches exactly one call.
    ///
    /// Returns nil when nothing matches; throws `.usage` when the prefix is empty or matches several calls.
    public func trace(id: String) throws -> CallTrace? {
        let needle = id.trimmingWhitespace
        guard !needle.isEmpty else { throw B24Error.usage("give a call id (or the start of one) from `b24 history`") }
        try importHistoryInbox()
        let row: Row? = try read("cannot read call \(needle) from history") { db in
            if let exact = try Row.fetchOne(db, sql: Self.traceSelect + " WHERE h.id = ?", arguments: [needle]) {
                return exact
            }
            let lowered = needle.lowercased()
            let matches = try Row.fetchAll(
                db,
                sql: Self.traceSelect + " WHERE substr(lower(h.id), 1, length(?)) = ? ORDER BY h.started_at DESC LIMIT 2",
                arguments: [lowered, lowered])
            if matches.count > 1 {
                let count = try Int.fetchOne(
                    db, sql: "SELECT count(*) FROM history WHERE substr(lower(id), 1, length(?)) = ?",
                    arguments: [lowered, lowered]) ?? matches.count
                throw B24Error.usage("call id prefix \(needle) is ambiguous: it matches \(count) calls; give more characters")
            }
            return matches.first
        }
        guard let row else { return nil }
        return try decodeTrace(row)
    }

    private func decodeTrace(_ row: Row) throws -> CallTrace {
        let id: String = row["id"]
        let text: String = row["trace"]
        var trace: CallTrace
        do {
            trace = try JSONDecoder().decode(CallTrace.self, from: Data(text.utf8))
        } catch {
            throw B24Error.usage("history record \(id) in \(path.path) is damaged: \(error)")
        }
        trace.request.params = try parseStored(row["request_params"], what: "parameters of call \(id)")
        if let hash: String = row["response_hash"] {
            guard let body: String = row["body"] else {
                throw B24Error.usage("the response of call \(id) (stored apart, \(hash.prefix(12))…) is missing from \(path.path)")
            }
            let apart = try parseStored(body, what: "response of call \(id)")
            // The envelope's other members stayed in the row, with `result` in its place as null.
            if let rest: String = row["response"], case .object(var envelope) = try parseStored(rest, what: "response of call \(id)") {
                envelope["result"] = apart
                trace.response = .object(envelope)
            } else {
                trace.response = apart
            }
        } else if let response: String = row["response"] {
            trace.response = try parseStored(response, what: "response of call \(id)")
        }
        return trace
    }

    /// One call with its response, whether kept in the row or apart in `bodies`.
    private static let traceSelect = """
        SELECT h.id, h.trace, h.request_params, h.response, h.response_hash, b.body
        FROM history h LEFT JOIN bodies b ON b.hash = h.response_hash
        """

    // MARK: - Maintenance

    /// Deletes expired plans and idempotency records, the history beyond `retention` (calls older than its
    /// days, then all but its newest calls) and the stored responses no call refers to any more. The history
    /// inbox is imported first, so its calls count too.
    @discardableResult
    public func purgeExpired(now: Date = Date(), retention: HistoryRetention = .unlimited) throws -> PurgeResult {
        if retention != .unlimited { try importHistoryInbox() }
        return try purge(now: now, retention: retention)
    }

    /// Runs ``purgeExpired(now:retention:)`` with this store's retention when the last run is more than
    /// ``maintenanceInterval`` ago (or in the future: a clock set back). Returns nil when it was not due.
    @discardableResult
    func maintainIfDue(now: Date = Date()) throws -> PurgeResult? {
        let unixNow = now.timeIntervalSince1970
        let due = { (db: Database) throws -> Bool in
            let last = try Double.fetchOne(db, sql: "SELECT done_at FROM maintenance WHERE name = 'purge'")
            return last.map { unixNow - $0 >= Self.maintenanceInterval || $0 > unixNow } ?? true
        }
        // A read first: nearly every opening finds nothing due and takes no write lock.
        guard try read("cannot read the maintenance time", due) else { return nil }
        // Claimed first, so a second process opening meanwhile does not prune too.
        let claimed = try write("cannot update the maintenance time") { db -> Bool in
            guard try due(db) else { return false }
            try db.execute(sql: "INSERT OR REPLACE INTO maintenance (name, done_at) VALUES ('purge', ?)", arguments: [unixNow])
            return true
        }
        return claimed ? try purge(now: now, retention: retention) : nil
    }

    /// Rows deleted per transaction: a first prune of a large backlog must not hold the write lock for long,
    /// while other processes' writes wait to claim their idempotency keys.
    static let purgeBatch = 2_000

    private func purge(now: Date, retention: HistoryRetention) throws -> PurgeResult {
        let unixNow = now.timeIntervalSince1970
        var result = try write("cannot purge expired records") { db -> PurgeResult in
            try db.execute(sql: "DELETE FROM plans WHERE expires_at <= ?", arguments: [unixNow])
            let plans = db.changesCount
            try db.execute(sql: "DELETE FROM idempotency WHERE expires_at <= ?", arguments: [unixNow])
            return PurgeResult(plans: plans, idempotencyKeys: db.changesCount, history: 0)
        }
        // Each pass deletes up to purgeBatch calls that are too old or beyond the newest maximumCalls.
        var conditions: [String] = []
        var arguments: [any DatabaseValueConvertible] = []
        if let maximumAge = retention.maximumAge {
            conditions.append("started_at < ?")
            arguments.append(unixNow - maximumAge)
        }
        if let maximumCalls = retention.maximumCalls {
            conditions.append("rowid IN (SELECT rowid FROM history ORDER BY started_at DESC, rowid DESC LIMIT -1 OFFSET ?)")
            arguments.append(maximumCalls)
        }
        if !conditions.isEmpty {
            let sql = "DELETE FROM history WHERE rowid IN (SELECT rowid FROM history WHERE "
                + conditions.joined(separator: " OR ") + " LIMIT \(Self.purgeBatch))"
            while true {
                let deleted = try write("cannot purge old history") { db -> Int in
                    try db.execute(sql: sql, arguments: StatementArguments(arguments))
                    return db.changesCount
                }
                result.history += deleted
                if deleted < Self.purgeBatch { break }
            }
        }
        // Also after no history was deleted here: a call recorded again under its id may have left its old body.
        result.bodies = try deleteOrphanBodies()
        return result
    }

    // MARK: - Helpers

    func read<T>(_ action: @autoclosure () -> String, _ body: (Database) throws -> T) throws -> T {
        do { return try pool.read(body) } catch { throw Self.wrap(error, action()) }
    }

    func write<T>(_ action: @autoclosure () -> String, _ body: (Database) throws -> T) throws -> T {
        do { return try pool.write(body) } catch { throw Self.wrap(error, action()) }
    }

    /// Keeps B24Errors as they are; anything else becomes a usage error naming the action and the database.
    private static func wrap(_ error: Error, _ action: String) -> Error {
        if error is B24Error { return error }
        if let database = error as? DatabaseError {
            return B24Error.usage("\(action): SQLite error \(database.resultCode.rawValue): \(database.message ?? "")")
        }
        return B24Error.usage("\(action): \(error)")
    }

    func parseStored(_ text: String, what: String) throws -> JSONValue {
        do {
            return try JSONParser.parse(text)
        } catch {
            throw B24Error.usage("\(what) in \(path.path) is damaged: \(error)")
        }
    }

    static func timestamp(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }

    /// Creates the database file 0600 before SQLite does (SQLite gives the `-wal`/`-shm` files the main file's
    /// mode) and tightens existing files that are readable by others.
    private static func preparePrivateFiles(_ path: URL) throws {
        let descriptor = open(path.path, O_CREAT | O_RDWR | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw B24Error.usage("cannot create \(path.path): \(String(cString: strerror(errno)))")
        }
        defer { Glibc.close(descriptor) }
        try tighten(descriptor: descriptor, path: path.path)
        for suffix in ["-wal", "-shm"] {
            let companion = open(path.path + suffix, O_RDWR | O_CLOEXEC)
            guard companion >= 0 else { continue }
            defer { Glibc.close(companion) }
            try tighten(descriptor: companion, path: path.path + suffix)
        }
    }

    private static func tighten(descriptor: Int32, path: String) throws {
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { return }
        if status.st_mode & 0o077 != 0, fchmod(descriptor, 0o600) != 0 {
            throw B24Error.usage("\(path) is readable by other users and cannot be made private: \(String(cString: strerror(errno)))")
        }
    }
}

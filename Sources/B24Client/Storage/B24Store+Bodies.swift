import Foundation
import GRDB

/// Large responses kept apart from the history rows: the `bodies` table, one row per distinct text, keyed by
/// the SHA-256 of the text. What goes apart is the envelope's `result` (the row keeps the rest, `time`, `total`,
/// `next`, with `result` null in its place), or the whole response when it has no `result`.
///
/// Why apart: listing history reads every row, and SQLite reads a row's pages up to the columns asked for;
/// with multi-megabyte answers inline, the rows of a list spread over thousands of overflow pages. Why by hash,
/// and the result only: a list call sent again, or the same page fetched again, brings the same result with
/// another `time`; the result is then kept once.
extension B24Store {
    /// What the database holds, for `b24 history --prune` and for tests of the row sizes.
    public struct Footprint: Sendable, Equatable {
        /// Calls in history.
        public var calls: Int
        /// The largest history row, in bytes of its stored columns (trace, parameters, response kept inline).
        public var largestRowBytes: Int
        /// Responses kept apart, and their total size in bytes.
        public var bodies: Int
        public var bodyBytes: Int
    }

    /// Counts rows and bytes (reads every row: for maintenance and tests, not for each call).
    public func footprint() throws -> Footprint {
        try read("cannot measure \(path.path)") { db in
            let history = try Row.fetchOne(db, sql: """
                SELECT count(*) AS calls, coalesce(max(length(CAST(trace AS BLOB)) + length(CAST(request_params AS BLOB))
                    + coalesce(length(CAST(response AS BLOB)), 0) + coalesce(length(response_hash), 0)
                    + length(CAST(id AS BLOB)) + length(CAST(method AS BLOB)) + length(CAST(profile AS BLOB))), 0) AS largest
                FROM history
                """)
            let bodies = try Row.fetchOne(db, sql: "SELECT count(*) AS n, coalesce(sum(size), 0) AS bytes FROM bodies")
            return Footprint(calls: history?["calls"] ?? 0, largestRowBytes: history?["largest"] ?? 0,
                             bodies: bodies?["n"] ?? 0, bodyBytes: bodies?["bytes"] ?? 0)
        }
    }

    /// The key a response text is stored under: the SHA-256 of its UTF-8 bytes, in hex.
    static func bodyHash(_ text: String) -> String {
        SHA256Hasher.hex(SHA256Hasher.hash(text.utf8))
    }

    /// Keeps `text` in `bodies` unless the same text is there already.
    static func storeBody(_ text: String, hash: String, in db: Database) throws {
        try db.execute(sql: "INSERT OR IGNORE INTO bodies (hash, size, body) VALUES (?, ?, ?)",
                       arguments: [hash, text.utf8.count, text])
    }

    /// Bodies deleted per transaction: each may be megabytes, and other processes wait for the write lock.
    static let bodyPurgeBatch = 200

    /// Deletes the bodies no history row refers to (their calls were pruned or recorded again); returns how many.
    func deleteOrphanBodies() throws -> Int {
        var total = 0
        while true {
            let deleted = try write("cannot delete unused responses") { db -> Int in
                try db.execute(sql: """
                    DELETE FROM bodies WHERE rowid IN (
                        SELECT rowid FROM bodies
                        WHERE NOT EXISTS (SELECT 1 FROM history WHERE history.response_hash = bodies.hash)
                        LIMIT \(Self.bodyPurgeBatch))
                    """)
                return db.changesCount
            }
            total += deleted
            if deleted < Self.bodyPurgeBatch { return total }
        }
    }

    /// The `v4-bodies` migration: the table, the reference column, and the large responses of existing rows
    /// moved out of them (each row at a time: a database from before may hold thousands of 1 MB answers).
    static func moveLargeResponsesToBodies(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE bodies (
                hash TEXT PRIMARY KEY NOT NULL,    -- SHA-256 of the text, hex
                size INTEGER NOT NULL,             -- bytes
                body TEXT NOT NULL                 -- JSONWriter text, key order kept
            );
            ALTER TABLE history ADD COLUMN response_hash TEXT;  -- set when the response is in bodies
            CREATE INDEX history_response_hash ON history(response_hash);
            """)
        let large = try Int64.fetchAll(
            db, sql: "SELECT rowid FROM history WHERE length(CAST(response AS BLOB)) > ?", arguments: [bodyThreshold])
        for rowid in large {
            guard let text = try String.fetchOne(db, sql: "SELECT response FROM history WHERE rowid = ?", arguments: [rowid])
            else { continue }
            let hash = bodyHash(text)
            try storeBody(text, hash: hash, in: db)
            try db.execute(sql: "UPDATE history SET response = NULL, response_hash = ? WHERE rowid = ?", arguments: [hash, rowid])
        }
    }
}

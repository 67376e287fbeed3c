import B24Wire
import Foundation
import GRDB

/// Where one export stands, committed after every page written: a resumed export cuts its file back to
/// `fileLength` and asks for the rows after `lastID` (or from `offset`), so no row is lost or written twice.
public struct ExportCheckpoint: Sendable, Equatable {
    /// `crm.lead.list`, as given.
    public var method: String
    /// ``ExportRequest/queryHash``: filter, select, params and format.
    public var queryHash: String
    /// The output file's absolute path.
    public var output: String
    /// `main` while the pass runs, `catch-up` during the catch-up pass, `done` at the end.
    public var phase: String
    /// Highest ID in scope when the export began (0 for offset walks).
    public var maxID: Int64
    /// The portal's count for the scope when the export began.
    public var total: Int
    /// Last ID written (cursor walks), or nil before the first page.
    public var lastID: Int64?
    /// Next `start` (offset walks).
    public var offset: Int
    public var rows: Int
    /// Bytes of the output file that hold whole, checkpointed pages.
    public var fileLength: UInt64
    /// CSV columns of the file, so a resumed file keeps its header.
    public var columns: [String]
    /// The portal's `time.date_start` of the scope query: the catch-up pass looks for changes after it.
    public var startedAt: String
    public var updatedAt: Date

    public init(method: String, queryHash: String, output: String, phase: String = "main", maxID: Int64, total: Int,
                lastID: Int64? = nil, offset: Int = 0, rows: Int = 0, fileLength: UInt64 = 0, columns: [String] = [],
                startedAt: String, updatedAt: Date = Date())
    {
        self.method = method
        self.queryHash = queryHash
        self.output = output
        self.phase = phase
        self.maxID = maxID
        self.total = total
        self.lastID = lastID
        self.offset = offset
        self.rows = rows
        self.fileLength = fileLength
        self.columns = columns
        self.startedAt = startedAt
        self.updatedAt = updatedAt
    }
}

extension B24Store {
    static func createExportCheckpoints(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE export_checkpoints (
                method TEXT NOT NULL,
                query_hash TEXT NOT NULL,          -- ExportRequest.queryHash
                output TEXT NOT NULL,              -- absolute path of the file
                phase TEXT NOT NULL,               -- main / catch-up / done
                max_id INTEGER NOT NULL,
                total INTEGER NOT NULL,
                last_id INTEGER,
                offset INTEGER NOT NULL,
                rows INTEGER NOT NULL,
                file_length INTEGER NOT NULL,
                columns TEXT NOT NULL,             -- JSON list
                started_at TEXT NOT NULL,          -- the portal's date_start of the scope query
                updated_at REAL NOT NULL,
                PRIMARY KEY (method, query_hash, output)
            )
            """)
    }

    /// The checkpoint of an export, or nil when none was committed.
    public func exportCheckpoint(method: String, queryHash: String, output: String) throws -> ExportCheckpoint? {
        try read("cannot read the export checkpoint") { db in
            try Row.fetchOne(db, sql: "SELECT * FROM export_checkpoints WHERE method = ? AND query_hash = ? AND output = ?",
                             arguments: [method.lowercased(), queryHash, output])
        }.map { row in
            let columns = (try? JSONParser.parse(row["columns"] as String))?.arrayValue?.compactMap(\.stringValue) ?? []
            return ExportCheckpoint(
                method: row["method"], queryHash: row["query_hash"], output: row["output"], phase: row["phase"],
                maxID: row["max_id"], total: row["total"], lastID: row["last_id"], offset: row["offset"],
                rows: row["rows"], fileLength: UInt64(row["file_length"] as Int64), columns: columns,
                startedAt: row["started_at"], updatedAt: Date(timeIntervalSince1970: row["updated_at"]))
        }
    }

    /// Any checkpoint for an output file (a resume whose query changed is refused with it).
    public func exportCheckpoints(output: String) throws -> [(method: String, queryHash: String)] {
        try read("cannot read the export checkpoints") { db in
            try Row.fetchAll(db, sql: "SELECT method, query_hash FROM export_checkpoints WHERE output = ?",
                             arguments: [output]).map { ($0["method"], $0["query_hash"]) }
        }
    }

    /// Commits a checkpoint (one row per method, query and file).
    public func saveExportCheckpoint(_ checkpoint: ExportCheckpoint) throws {
        let columns = JSONWriter.compact(.array(checkpoint.columns.map { .string($0) }))
        try write("cannot save the export checkpoint") { db in
            try db.execute(sql: """
                INSERT OR REPLACE INTO export_checkpoints (method, query_hash, output, phase, max_id, total, last_id,
                    offset, rows, file_length, columns, started_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
                arguments: [checkpoint.method.lowercased(), checkpoint.queryHash, checkpoint.output, checkpoint.phase,
                            checkpoint.maxID, checkpoint.total, checkpoint.lastID, checkpoint.offset, checkpoint.rows,
                            Int64(checkpoint.fileLength), columns, checkpoint.startedAt,
                            checkpoint.updatedAt.timeIntervalSince1970])
        }
    }

    /// Forgets every checkpoint of an output file (`--force` starts over).
    public func deleteExportCheckpoints(output: String) throws {
        try write("cannot delete the export checkpoint") { db in
            try db.execute(sql: "DELETE FROM export_checkpoints WHERE output = ?", arguments: [output])
        }
    }
}

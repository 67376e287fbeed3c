import B24Wire
import Foundation
import GRDB

/// Events kept by b24: every delivery and offline record seen (the tail log), and the offline worker's
/// ledger of handled keys, its reserved processes, its sinks' committed sizes and the dead-letter queue.
extension B24Store {
    /// Schema step "v5-events" (registered in ``migrator``).
    static func createEventTables(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE event_log (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                profile TEXT NOT NULL,
                source TEXT NOT NULL,              -- online / offline
                received_at REAL NOT NULL,
                event TEXT NOT NULL,
                entity_id TEXT,
                handler_id TEXT,
                message_id TEXT,
                payload TEXT NOT NULL,             -- JSONWriter text, secrets masked
                missed_online INTEGER NOT NULL DEFAULT 0
            );
            CREATE INDEX event_log_match ON event_log(profile, event, entity_id, received_at);
            CREATE TABLE worker_keys (
                scope TEXT NOT NULL,               -- client identity + auth connector
                key TEXT NOT NULL,                 -- EventFields.dedupKey
                outcome TEXT NOT NULL,             -- done / dlq
                message_id TEXT,
                handled_at REAL NOT NULL,
                PRIMARY KEY (scope, key)
            );
            CREATE TABLE worker_processes (
                scope TEXT NOT NULL,
                process_id TEXT NOT NULL,
                reserved_at REAL NOT NULL,
                PRIMARY KEY (scope, process_id)
            );
            CREATE TABLE worker_sinks (
                path TEXT PRIMARY KEY NOT NULL,
                size INTEGER NOT NULL              -- bytes whose keys are committed
            );
            CREATE TABLE dlq (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                scope TEXT NOT NULL,
                key TEXT NOT NULL,
                event TEXT NOT NULL,
                message_id TEXT,
                record TEXT NOT NULL,              -- the offline record, JSONWriter text
                attempts INTEGER NOT NULL,
                last_error TEXT NOT NULL,
                failed_at REAL NOT NULL,
                UNIQUE (scope, key)
            );
            """)
    }

    // MARK: - Tail log

    /// Stores a delivery or offline record and returns it with its row id.
    @discardableResult
    public func recordEvent(_ event: ReceivedEvent, profile: String) throws -> ReceivedEvent {
        try write("cannot store event \(event.event)") { db in
            try db.execute(
                sql: """
                    INSERT INTO event_log (profile, source, received_at, event, entity_id, handler_id, message_id,
                                           payload, missed_online)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [profile, event.source.rawValue, event.receivedAt.timeIntervalSince1970, event.event,
                            event.entityID, event.handlerID, event.messageID, JSONWriter.compact(event.payload),
                            event.missedOnline ? 1 : 0])
            var stored = event
            stored.id = db.lastInsertedRowID
            return stored
        }
    }

    /// Events of a profile, newest first, with ids below `before` (for scrolling back past a screen's buffer).
    public func events(profile: String, before: Int64? = nil, limit: Int) throws -> [ReceivedEvent] {
        try read("cannot read events") { db in
            let rows = try Row.fetchAll(db, sql: """
                SELECT * FROM event_log WHERE profile = ? AND id < ? ORDER BY id DESC LIMIT ?
                """, arguments: [profile, before ?? Int64.max, limit])
            return try rows.map(decodeEvent)
        }
    }

    /// True when an online delivery of `event` about `entityID` arrived between `from` and `to`.
    public func hasOnlineDelivery(profile: String, event: String, entityID: String, from: Date, to: Date) throws -> Bool {
        try read("cannot read events") { db in
            try Bool.fetchOne(db, sql: """
                SELECT EXISTS (SELECT 1 FROM event_log WHERE profile = ? AND event = ? AND entity_id = ?
                               AND source = 'online' AND received_at BETWEEN ? AND ?)
                """, arguments: [profile, event, entityID, from.timeIntervalSince1970, to.timeIntervalSince1970]) ?? false
        }
    }

    /// Marks a stored offline record as missed online.
    public func markMissedOnline(id: Int64) throws {
        try write("cannot mark event \(id)") { db in
            try db.execute(sql: "UPDATE event_log SET missed_online = 1 WHERE id = ?", arguments: [id])
        }
    }

    private func decodeEvent(_ row: Row) throws -> ReceivedEvent {
        let payloadText: String = row["payload"]
        return ReceivedEvent(
            id: row["id"], source: EventSource(rawValue: row["source"]) ?? .online,
            receivedAt: Date(timeIntervalSince1970: row["received_at"]), event: row["event"], entityID: row["entity_id"],
            handlerID: row["handler_id"], messageID: row["message_id"],
            payload: try parseStored(payloadText, what: "an event"), missedOnline: (row["missed_online"] as Int) != 0)
    }

    // MARK: - Worker ledger

    /// The keys among `keys` already handled (done or dead-lettered) in `scope`.
    public func handledKeys(scope: String, among keys: [String]) throws -> Set<String> {
        guard !keys.isEmpty else { return [] }
        return try read("cannot read the worker ledger") { db in
            var found: Set<String> = []
            for key in keys where try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM worker_keys WHERE scope = ? AND key = ?)",
                                                     arguments: [scope, key]) ?? false {
                found.insert(key)
            }
            return found
        }
    }

    /// Records a handled key (the handler exited 0).
    public func recordHandled(scope: String, key: String, messageID: String?, now: Date = Date()) throws {
        try write("cannot record handled event \(key)") { db in
            try Self.insertKey(db, scope: scope, key: key, outcome: "done", messageID: messageID, now: now)
        }
    }

    /// Records a handled key and the sink's new committed size in one transaction: what is in the sink up to
    /// `size` and the keys handled never disagree.
    public func recordSinkWrite(scope: String, key: String, messageID: String?, sink: String, size: Int64,
                                now: Date = Date()) throws {
        try write("cannot record sink write \(key)") { db in
            try Self.insertKey(db, scope: scope, key: key, outcome: "done", messageID: messageID, now: now)
            try db.execute(sql: "INSERT OR REPLACE INTO worker_sinks (path, size) VALUES (?, ?)", arguments: [sink, size])
        }
    }

    /// Commits a sink's size without a key (a sink adopted with what it already holds).
    public func setSinkSize(path: String, size: Int64) throws {
        try write("cannot record the sink state") { db in
            try db.execute(sql: "INSERT OR REPLACE INTO worker_sinks (path, size) VALUES (?, ?)", arguments: [path, size])
        }
    }

    /// The sink's committed size (nil: never written).
    public func sinkSize(path: String) throws -> Int64? {
        try read("cannot read the sink state") { db in
            try Int64.fetchOne(db, sql: "SELECT size FROM worker_sinks WHERE path = ?", arguments: [path])
        }
    }

    private static func insertKey(_ db: Database, scope: String, key: String, outcome: String, messageID: String?,
                                  now: Date) throws {
        try db.execute(sql: """
            INSERT OR REPLACE INTO worker_keys (scope, key, outcome, message_id, handled_at) VALUES (?, ?, ?, ?, ?)
            """, arguments: [scope, key, outcome, messageID, now.timeIntervalSince1970])
    }

    /// Remembers a reserved process id before its events are handled, so a restart picks it up again.
    public func rememberProcess(scope: String, processID: String, now: Date = Date()) throws {
        try write("cannot remember process \(processID)") { db in
            try db.execute(sql: "INSERT OR IGNORE INTO worker_processes (scope, process_id, reserved_at) VALUES (?, ?, ?)",
                           arguments: [scope, processID, now.timeIntervalSince1970])
        }
    }

    /// Forgets a process whose events are all cleared.
    public func forgetProcess(scope: String, processID: String) throws {
        try write("cannot forget process \(processID)") { db in
            try db.execute(sql: "DELETE FROM worker_processes WHERE scope = ? AND process_id = ?", arguments: [scope, processID])
        }
    }

    /// Process ids reserved earlier and not known to be cleared, oldest first.
    public func pendingProcesses(scope: String) throws -> [String] {
        try read("cannot read reserved processes") { db in
            try String.fetchAll(db, sql: "SELECT process_id FROM worker_processes WHERE scope = ? ORDER BY reserved_at",
                                arguments: [scope])
        }
    }

    // MARK: - Dead-letter queue

    /// One event that failed every attempt.
    public struct DeadLetter: Sendable, Equatable {
        public var id: Int64
        public var scope: String
        public var key: String
        public var event: String
        public var messageID: String?
        public var record: JSONValue
        public var attempts: Int
        public var lastError: String
        public var failedAt: Date
    }

    /// Puts a record in the DLQ and marks its key handled (outcome `dlq`) in one transaction.
    public func deadLetter(scope: String, key: String, record: JSONValue, attempts: Int, error: String,
                           now: Date = Date()) throws {
        try write("cannot store a dead letter") { db in
            try db.execute(sql: """
                INSERT OR REPLACE INTO dlq (scope, key, event, message_id, record, attempts, last_error, failed_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [scope, key, record["EVENT_NAME"]?.stringValue ?? "", record["MESSAGE_ID"]?.stringValue,
                                 JSONWriter.compact(record), attempts, error, now.timeIntervalSince1970])
            try Self.insertKey(db, scope: scope, key: key, outcome: "dlq", messageID: record["MESSAGE_ID"]?.stringValue,
                               now: now)
        }
    }

    /// Dead letters, oldest first (all scopes when `scope` is nil).
    public func deadLetters(scope: String? = nil, limit: Int = 1000) throws -> [DeadLetter] {
        try read("cannot read the DLQ") { db in
            let rows = try Row.fetchAll(db, sql: """
                SELECT * FROM dlq WHERE (? IS NULL OR scope = ?) ORDER BY id LIMIT ?
                """, arguments: [scope, scope, limit])
            return try rows.map { row in
                let text: String = row["record"]
                return DeadLetter(id: row["id"], scope: row["scope"], key: row["key"], event: row["event"],
                                  messageID: row["message_id"], record: try parseStored(text, what: "a dead letter"),
                                  attempts: row["attempts"], lastError: row["last_error"],
                                  failedAt: Date(timeIntervalSince1970: row["failed_at"]))
            }
        }
    }

    /// How many dead letters `scope` holds (all scopes when nil).
    public func deadLetterCount(scope: String? = nil) throws -> Int {
        try read("cannot count the DLQ") { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM dlq WHERE (? IS NULL OR scope = ?)", arguments: [scope, scope]) ?? 0
        }
    }

    /// Removes dead letters by id (all of `scope`, or all, when `ids` is nil); returns how many went.
    /// A retried letter that succeeded keeps its key, now `done`.
    @discardableResult
    public func removeDeadLetters(ids: [Int64]?, scope: String? = nil, handled: Bool = false) throws -> Int {
        try write("cannot remove dead letters") { db in
            if handled, let ids {
                for id in ids {
                    try db.execute(sql: """
                        UPDATE worker_keys SET outcome = 'done' WHERE (scope, key) IN (SELECT scope, key FROM dlq WHERE id = ?)
                        """, arguments: [id])
                }
            }
            if let ids {
                var count = 0
                for id in ids {
                    try db.execute(sql: "DELETE FROM dlq WHERE id = ?", arguments: [id])
                    count += db.changesCount
                }
                return count
            }
            try db.execute(sql: "DELETE FROM dlq WHERE (? IS NULL OR scope = ?)", arguments: [scope, scope])
            return db.changesCount
        }
    }
}

import B24Wire
import Foundation
import GRDB

/// Optional SQLite persistence (`SandboxOptions.dataPath`): CRM writes, OAuth tokens, tasks, event bindings and
/// offline queues survive restarts. Generated demo CRM records are never stored; only what clients wrote.
final class SandboxDatabase: @unchecked Sendable {
    private let queue: DatabaseQueue

    init(path: String) throws {
        queue = try DatabaseQueue(path: path)
        try queue.write { db in
            try db.execute(sql: """
                CREATE TABLE IF NOT EXISTS crm_record (entity INTEGER NOT NULL, id INTEGER NOT NULL, json TEXT NOT NULL,
                    PRIMARY KEY (entity, id));
                CREATE TABLE IF NOT EXISTS crm_deleted (entity INTEGER NOT NULL, id INTEGER NOT NULL,
                    PRIMARY KEY (entity, id));
                CREATE TABLE IF NOT EXISTS crm_next_id (entity INTEGER PRIMARY KEY, next_id INTEGER NOT NULL);
                CREATE TABLE IF NOT EXISTS oauth_token (token TEXT PRIMARY KEY, kind TEXT NOT NULL,
                    user_id INTEGER NOT NULL, client_id TEXT NOT NULL, expires REAL NOT NULL);
                CREATE TABLE IF NOT EXISTS snapshot (name TEXT PRIMARY KEY, json TEXT NOT NULL);
                """)
        }
    }

    struct CRMSnapshot {
        var records: [Int: JSONObject] = [:]
        var deleted: Set<Int> = []
        var nextID: Int?
    }

    func loadCRM(_ entity: CRMEntity) -> CRMSnapshot {
        var snapshot = CRMSnapshot()
        try? queue.read { db in
            for row in try Row.fetchAll(db, sql: "SELECT id, json FROM crm_record WHERE entity = ?",
                                        arguments: [entity.rawValue]) {
                let json: String = row["json"]
                if let object = (try? JSONParser.parse(json))?.objectValue { snapshot.records[row["id"]] = object }
            }
            for row in try Row.fetchAll(db, sql: "SELECT id FROM crm_deleted WHERE entity = ?", arguments: [entity.rawValue]) {
                snapshot.deleted.insert(row["id"])
            }
            snapshot.nextID = try Int.fetchOne(db, sql: "SELECT next_id FROM crm_next_id WHERE entity = ?",
                                               arguments: [entity.rawValue])
        }
        return snapshot
    }

    func saveRecord(_ entity: CRMEntity, id: Int, record: JSONObject, nextID: Int) {
        let json = JSONWriter.compact(.object(record))
        try? queue.write { db in
            try db.execute(sql: "INSERT OR REPLACE INTO crm_record (entity, id, json) VALUES (?, ?, ?)",
                           arguments: [entity.rawValue, id, json])
            try db.execute(sql: "INSERT OR REPLACE INTO crm_next_id (entity, next_id) VALUES (?, ?)",
                           arguments: [entity.rawValue, nextID])
        }
    }

    func deleteRecord(_ entity: CRMEntity, id: Int) {
        try? queue.write { db in
            try db.execute(sql: "DELETE FROM crm_record WHERE entity = ? AND id = ?", arguments: [entity.rawValue, id])
            try db.execute(sql: "INSERT OR REPLACE INTO crm_deleted (entity, id) VALUES (?, ?)",
                           arguments: [entity.rawValue, id])
        }
    }

    // MARK: Whole-store snapshots

    /// Small stores (tasks, events) are saved whole after each change: a few hundred rows at most.
    func saveSnapshot<T: Encodable>(_ name: String, _ value: T) {
        guard let data = try? JSONEncoder().encode(value) else { return }
        let json = String(decoding: data, as: UTF8.self)
        try? queue.write { db in
            try db.execute(sql: "INSERT OR REPLACE INTO snapshot (name, json) VALUES (?, ?)", arguments: [name, json])
        }
    }

    func loadSnapshot<T: Decodable>(_ name: String, as type: T.Type) -> T? {
        let stored = try? queue.read { db in
            try String.fetchOne(db, sql: "SELECT json FROM snapshot WHERE name = ?", arguments: [name])
        }
        guard let json = stored ?? nil else { return nil }
        return try? JSONDecoder().decode(type, from: Data(json.utf8))
    }

    // MARK: Tokens

    struct StoredToken { var token: String; var kind: String; var userID: Int; var clientID: String; var expires: Double }

    func loadTokens() -> [StoredToken] {
        (try? queue.read { db in
            try Row.fetchAll(db, sql: "SELECT token, kind, user_id, client_id, expires FROM oauth_token").map {
                StoredToken(token: $0["token"], kind: $0["kind"], userID: $0["user_id"], clientID: $0["client_id"],
                            expires: $0["expires"])
            }
        }) ?? []
    }

    func saveToken(_ token: StoredToken) {
        try? queue.write { db in
            try db.execute(sql: "INSERT OR REPLACE INTO oauth_token (token, kind, user_id, client_id, expires) VALUES (?, ?, ?, ?, ?)",
                           arguments: [token.token, token.kind, token.userID, token.clientID, token.expires])
        }
    }

    func deleteToken(_ token: String) {
        try? queue.write { db in try db.execute(sql: "DELETE FROM oauth_token WHERE token = ?", arguments: [token]) }
    }
}

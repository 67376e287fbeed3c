import B24Wire
import Foundation
import GRDB
#if canImport(Glibc)
import Glibc
#endif

/// One row of the `history` table, built once from a trace for both the database and the inbox.
struct HistoryRow: Equatable {
    var id: String
    var startedAt: Double
    var profile: String
    var method: String
    var apiVersion: String
    var risk: String
    var status: String
    var errorCode: String?
    var duration: Double
    var planID: String?
    var idempotencyKey: String?
    var replayed: Bool
    /// The group the call belongs to (a chain run), nil for a call of its own.
    var group: String?
    /// The trace without its JSON values, as JSON text.
    var trace: String
    /// The request parameters as JSON text, key order kept.
    var requestParams: String
    /// The response as JSON text (summarized when huge), nil when there was none.
    var response: String?
    /// For a response larger than ``B24Store/bodyThreshold``: the text kept apart in `bodies` (the envelope's
    /// `result`, which a resent call repeats while its `time` differs; the whole response when it has none), its
    /// SHA-256, and what the row keeps (the envelope with `result` null; nil when all of it is apart). Computed
    /// with the row, before any write lock is taken.
    var body: String?
    var responseHash: String?
    var inlineResponse: String?

    init(_ trace: CallTrace) {
        id = trace.id
        startedAt = trace.startedAt.timeIntervalSince1970
        profile = trace.profile
        method = trace.method
        apiVersion = trace.apiVersion.rawValue
        risk = trace.risk
        status = trace.status
        errorCode = trace.error?.code
        duration = trace.duration
        planID = trace.planID
        idempotencyKey = trace.idempotencyKey
        replayed = trace.replayed
        group = trace.group
        self.trace = JSONWriter.compact(trace.skeletonJSON())
        requestParams = JSONWriter.compact(trace.request.params)
        response = trace.response.map { B24Store.historyText(of: $0) }
        (inlineResponse, body, responseHash) = Self.split(response, trace.response)
    }

    /// What the row keeps, what goes apart and its hash (see ``body``); `value` is the parsed `text` if at hand.
    private static func split(_ text: String?, _ value: JSONValue?) -> (String?, String?, String?) {
        guard let text, text.utf8.count > B24Store.bodyThreshold else { return (text, nil, nil) }
        if case .object(var envelope)? = value ?? (try? JSONParser.parse(text)), let result = envelope["result"] {
            let body = JSONWriter.compact(result)
            envelope["result"] = .null  // keeps its place, so the envelope reads back in portal order
            return (JSONWriter.compact(.object(envelope)), body, B24Store.bodyHash(body))
        }
        return (nil, text, B24Store.bodyHash(text))
    }

    /// The row as one inbox line (without the newline).
    var line: String {
        func text(_ value: String?) -> JSONValue { value.map { .string($0) } ?? .null }
        let object: JSONObject = [
            "id": .string(id), "started_at": .double(startedAt), "profile": .string(profile), "method": .string(method),
            "api_version": .string(apiVersion), "risk": .string(risk), "status": .string(status),
            "error_code": text(errorCode), "duration": .double(duration), "plan_id": text(planID),
            "idempotency_key": text(idempotencyKey), "replayed": .bool(replayed), "trace": .string(trace),
            "request_params": .string(requestParams), "response": text(response), "call_group": text(group),
        ]
        return JSONWriter.compact(.object(object))
    }

    /// A row read back from an inbox line; nil when the line is damaged (a write cut short by a full disk).
    init?(line: some Collection<UInt8>) {
        guard let value = try? JSONParser.parse(line),
              let id = value["id"]?.stringValue, let startedAt = value["started_at"]?.doubleValue,
              let profile = value["profile"]?.stringValue, let method = value["method"]?.stringValue,
              let apiVersion = value["api_version"]?.stringValue, let risk = value["risk"]?.stringValue,
              let status = value["status"]?.stringValue, let duration = value["duration"]?.doubleValue,
              let trace = value["trace"]?.stringValue, let requestParams = value["request_params"]?.stringValue
        else { return nil }
        self.id = id
        self.startedAt = startedAt
        self.profile = profile
        self.method = method
        self.apiVersion = apiVersion
        self.risk = risk
        self.status = status
        errorCode = value["error_code"]?.stringValue
        self.duration = duration
        planID = value["plan_id"]?.stringValue
        idempotencyKey = value["idempotency_key"]?.stringValue
        replayed = value["replayed"]?.boolValue ?? false
        group = value["call_group"]?.stringValue
        self.trace = trace
        self.requestParams = requestParams
        response = value["response"]?.stringValue
        (inlineResponse, body, responseHash) = Self.split(response, nil)
    }

    /// Stores the row, replacing an earlier row with the same id; a large response goes to `bodies` (unless the
    /// same text is there already) in the same transaction, so a pruning in between cannot lose it.
    func insert(into db: Database) throws {
        if let responseHash, let body { try B24Store.storeBody(body, hash: responseHash, in: db) }
        try db.execute(
            sql: """
                INSERT OR REPLACE INTO history (id, started_at, profile, method, api_version, risk, status,
                    error_code, duration, plan_id, idempotency_key, replayed, trace, request_params, response,
                    response_hash, call_group)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                id, startedAt, profile, method, apiVersion, risk, status, errorCode, duration, planID, idempotencyKey,
                replayed, trace, requestParams, inlineResponse, responseHash, group,
            ])
    }
}

/// Call traces waiting to enter the history database: a JSONL file beside it (`b24.sqlite-inbox.jsonl`, 0600).
///
/// A process that has not opened the database (every read-only `b24 call`) appends its trace here instead of
/// opening SQLite: opening the database and the checkpoint SQLite runs when the last connection closes cost
/// about 3 ms of each call. Whoever opens the database next moves the lines in (``B24Store`` does it when it
/// opens and before it reads history), so `b24 history` always shows every call.
///
/// Appenders and importers meet under `flock`: an importer first renames the inbox away, then locks the renamed
/// file, so a line being written is finished before it is read; an appender that finds its file renamed away
/// under it writes to a fresh inbox instead.
struct HistoryInbox {
    /// The inbox file.
    let file: URL

    /// The inbox of the database at `database`.
    init(database: URL) {
        file = URL(fileURLWithPath: database.path + "-inbox.jsonl")
    }

    /// The inbox size from which the appender imports it itself (a few thousand calls).
    static let importThreshold = 4 << 20

    /// Appends one trace and returns the inbox size after it. Throws `.usage` when the line could not be written.
    @discardableResult
    func append(_ trace: CallTrace) throws -> Int {
        let bytes = Array((HistoryRow(trace).line + "\n").utf8)
        try B24Paths.ensurePrivateDirectory(file.deletingLastPathComponent())
        for _ in 0..<16 {
            let descriptor = open(file.path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
            guard descriptor >= 0 else { throw failure("cannot open") }
            defer { close(descriptor) }
            guard lockExclusively(descriptor) else { throw failure("cannot lock") }
            // An importer may have renamed the file between our open and our lock: write to a fresh inbox then.
            var opened = stat()
            var current = stat()
            guard fstat(descriptor, &opened) == 0, stat(file.path, &current) == 0,
                  opened.st_ino == current.st_ino, opened.st_dev == current.st_dev
            else { continue }
            // A line an earlier writer left unfinished (killed mid-write) is closed first, so it cannot take
            // this line down with it.
            var line = bytes
            var last: UInt8 = 0
            if opened.st_size > 0, pread(descriptor, &last, 1, opened.st_size - 1) == 1, last != UInt8(ascii: "\n") {
                line.insert(UInt8(ascii: "\n"), at: 0)
            }
            guard writeAll(line, to: descriptor) else {
                let error = failure("cannot append to")
                // Take back a partial line (disk full) rather than leave half a line for the next writer.
                ftruncate(descriptor, opened.st_size)
                throw error
            }
            return Int(opened.st_size) + line.count
        }
        throw B24Error.usage("cannot append to the history inbox \(file.path): it keeps being imported away")
    }

    /// Moves every waiting line into the database, including inboxes left by an importer that stopped halfway.
    /// Damaged lines are skipped. Importing the same line twice only rewrites its row.
    func importLines(into pool: DatabasePool) throws {
        let directory = file.deletingLastPathComponent()
        let claimPrefix = file.lastPathComponent + ".importing."
        var claimed = ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? [])
            .filter { $0.hasPrefix(claimPrefix) }
            .map { directory.appendingPathComponent($0) }
        let claim = directory.appendingPathComponent(claimPrefix + "\(getpid()).\(UInt32.random(in: 0...UInt32.max))")
        if rename(file.path, claim.path) == 0 {
            claimed.append(claim)
        } else if errno != ENOENT {
            throw failure("cannot claim")
        }
        for path in claimed {
            let descriptor = open(path.path, O_RDONLY | O_CLOEXEC)
            guard descriptor >= 0 else { continue }  // another importer finished it
            defer { close(descriptor) }
            if path == claim {
                // Wait for an appender that opened the file before the rename to finish its line.
                guard lockExclusively(descriptor) else { throw failure("cannot lock") }
            } else {
                // A claim left by another importer: skip it while that importer is still at work.
                guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else { continue }
            }
            let data: Data
            do {
                data = try FileHandle(fileDescriptor: descriptor, closeOnDealloc: false).readToEnd() ?? Data()
            } catch {
                // Keep the claim: the next import reads it again.
                throw B24Error.usage("cannot read the history inbox \(path.path): \(error.localizedDescription)")
            }
            let rows = data.split(separator: UInt8(ascii: "\n")).compactMap { HistoryRow(line: $0) }
            try pool.write { db in
                for row in rows { try row.insert(into: db) }
            }
            unlink(path.path)
        }
    }

    private func failure(_ what: String) -> B24Error {
        let code = errno
        return B24Error.usage("\(what) the history inbox \(file.path): \(String(cString: strerror(code)))")
    }
}

import B24Wire
import Foundation

/// Records one finished call where its ``CallRecording`` says: the SQLite history and the JSONL audit log.
struct CallRecorder {
    let paths: B24Paths
    let redactor: Redactor
    let database: LazyStore

    /// Records the trace; returns a warning per place it could not be written (the call itself still stands).
    func record(_ trace: CallTrace, in recording: CallRecording) -> [String] {
        var warnings: [String] = []
        if recording.contains(.history) {
            do { try recordHistory(trace) } catch { warnings.append("history not written: \(error)") }
        }
        if recording.contains(.audit) {
            do { try AuditLog(file: paths.auditFile, redactor: redactor).append(trace) } catch {
                warnings.append("audit line not written: \(error)")
            }
        }
        return warnings
    }

    /// Records a finished call: straight into the database when this client has it open (writes open it for
    /// their idempotency keys), else into the history inbox, which the next opening of the database imports.
    /// A read-only CLI call thus never opens SQLite (about 3 ms of every `b24 call`, Benchmarks/call-vs-curl.py).
    /// An inbox past ``HistoryInbox/importThreshold`` is imported at once (opening the store does it), so a
    /// stream of read-only calls cannot grow it without end.
    private func recordHistory(_ trace: CallTrace) throws {
        if let opened = database.ifOpen {
            try opened.record(trace)
        } else if try HistoryInbox(database: paths.databaseFile).append(trace) >= HistoryInbox.importThreshold {
            // The trace is safe in the inbox; a database that will not open now is retried by the next call.
            _ = try? database.open()
        }
    }

    /// The error with its free text masked, as it leaves the client.
    static func redact(_ error: B24Error, _ redactor: Redactor) -> B24Error {
        switch error {
        case .usage(let text): return .usage(redactor.redact(text))
        case .policy(let text): return .policy(redactor.redact(text))
        case .refused, .cancelled: return error
        case .portal(var portal):
            portal.message = redactor.redact(portal.message)
            portal.validation = portal.validation.map { .init(field: redactor.redact($0.field), message: redactor.redact($0.message)) }
            return .portal(portal)
        case .http(let status, let snippet): return .http(status: status, snippet: redactor.redact(snippet))
        case .transport(let kind, let text): return .transport(kind, redactor.redact(text))
        case .decoding(let text): return .decoding(redactor.redact(text))
        case .outcomeUnknown(let method, let reason): return .outcomeUnknown(method: method, reason: redactor.redact(reason))
        case .loginRequired(let profile, let reason): return .loginRequired(profile: profile, reason: redactor.redact(reason))
        }
    }
}

/// A client's database, opened on first use: the ledger opens it for a write's key, the recorder writes into it
/// only when it is open already.
final class LazyStore: @unchecked Sendable {
    private let path: URL
    private let retention: HistoryRetention
    // A lock of its own: opening takes milliseconds and must not hold up the redactor or token state.
    private let lock = NSLock()
    private var opened: B24Store?

    init(path: URL, retention: HistoryRetention) {
        self.path = path
        self.retention = retention
    }

    /// The database, opening it if needed.
    func open() throws -> B24Store {
        try lock.withLock {
            if let opened { return opened }
            let store = try B24Store(path: path, retention: retention)
            opened = store
            return store
        }
    }

    /// The database if it is open, else nil (nothing is opened).
    var ifOpen: B24Store? { lock.withLock { opened } }
}

import B24Catalog
import B24Wire
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The append-only audit log: one JSON line per call at `$XDG_STATE_HOME/b24/audit.jsonl`, in the fields the
/// seed skill's tools read.
///
/// Each line is written with a single `write` on a descriptor opened with `O_APPEND`, so lines from several b24
/// processes never interleave. The file is kept at mode 0600.
///
/// Line fields, in this order: `ts` (ISO 8601, UTC), `profile`, `method`, `risk`, `status` (ok/partial/error/unknown/cancelled),
/// `error_code`, `duration_ms`, `plan_id`, `idempotency_key`, `replayed`, `attempts` (HTTP attempts made), and
/// `call_id` (the history id, for `b24 history show`). Absent values are `null`. A reviewed write adds `diff_hash`
/// and `changes` (the written field names per command, never their values).
public struct AuditLog: Sendable {
    /// The JSONL file.
    public let file: URL
    /// Applied to every string of a line. Traces are masked already; this is a second net.
    public var redactor: Redactor

    public init(file: URL, redactor: Redactor = Redactor()) {
        self.file = file
        self.redactor = redactor
    }

    /// The audit log at `paths.auditFile`.
    public init(paths: B24Paths, redactor: Redactor = Redactor()) {
        self.init(file: paths.auditFile, redactor: redactor)
    }

    /// Appends the line of one call. Throws if the line could not be written in full.
    public func append(_ trace: CallTrace) throws {
        let bytes = Array((Self.line(for: trace, redactor: redactor) + "\n").utf8)
        do {
            try B24Paths.ensurePrivateDirectory(file.deletingLastPathComponent())
        } catch {
            throw B24Error.usage("cannot create the directory of the audit log \(file.path): \(error.localizedDescription)")
        }
        let descriptor = open(file.path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw failure("cannot open the audit log") }
        defer { close(descriptor) }
        // A log created elsewhere with a looser mode still holds method names and error text: make it private.
        var status = stat()
        if fstat(descriptor, &status) == 0, status.st_mode & 0o077 != 0, fchmod(descriptor, 0o600) != 0 {
            throw failure("cannot make private (mode 0600) the audit log")
        }
        // One write for the whole line; writeAll only finishes a short write (disk full, signal).
        guard writeAll(bytes, to: descriptor) else { throw failure("cannot append to the audit log") }
    }

    /// The JSON text of a call's audit line (without the newline).
    public static func line(for trace: CallTrace, redactor: Redactor) -> String {
        func text(_ value: String?) -> JSONValue {
            value.map { .string(redactor.redact($0)) } ?? .null
        }
        var object = JSONObject()
        object["ts"] = .string(timestamp(trace.startedAt))
        object["profile"] = text(trace.profile)
        object["method"] = text(trace.method)
        object["risk"] = text(trace.risk)
        object["status"] = text(trace.status)
        object["error_code"] = text(trace.error?.code)
        // Guard the conversion: a NaN or infinite duration would trap in Int64(_:).
        let milliseconds = trace.duration.isFinite ? min(max(0, trace.duration * 1000), 9e15).rounded() : 0
        object["duration_ms"] = .int(Int64(milliseconds))
        object["plan_id"] = text(trace.planID)
        object["idempotency_key"] = text(trace.idempotencyKey)
        object["replayed"] = .bool(trace.replayed)
        object["attempts"] = .int(Int64(trace.attempts.count))
        object["call_id"] = text(trace.id)
        // A reviewed write: which diff was confirmed, and the names (not values) of the fields it wrote.
        if let hash = trace.diffHash { object["diff_hash"] = .string(hash) }
        if let summary = trace.changeSummary { object["changes"] = text(summary) }
        return JSONWriter.compact(.object(object))
    }

    /// ISO 8601 in UTC with milliseconds, e.g. `2025-06-15T14:26:40.250Z`.
    ///
    /// Written by hand: setting up an `ISO8601DateFormatter` cost about a millisecond of every `b24 call`.
    static func timestamp(_ date: Date) -> String {
        let seconds = date.timeIntervalSince1970
        guard seconds.isFinite, abs(seconds) < 2.5e11 else { return "0000-00-00T00:00:00.000Z" }
        // The nearest whole millisecond first: `seconds - floor(seconds)` loses the last digit at today's
        // magnitudes, and a time like .001 s is stored as .000999….
        let totalMillis = (seconds * 1000).rounded()
        var whole = time_t((totalMillis / 1000).rounded(.down))
        let millis = Int(totalMillis - Double(whole) * 1000)
        var parts = tm()
        gmtime_r(&whole, &parts)
        func padded(_ value: Int32, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        return "\(padded(parts.tm_year + 1900, 4))-\(padded(parts.tm_mon + 1, 2))-\(padded(parts.tm_mday, 2))T"
            + "\(padded(parts.tm_hour, 2)):\(padded(parts.tm_min, 2)):\(padded(parts.tm_sec, 2)).\(padded(Int32(millis), 3))Z"
    }

    private func failure(_ what: String) -> B24Error {
        B24Error.usage("\(what) \(file.path): \(String(cString: strerror(errno)))")
    }
}

import B24Catalog
import B24Wire
import Foundation

/// The operating-time budget of each method on one portal, shared by every b24 process on the machine.
///
/// The portal counts the execution time of each method over a sliding window (10 one-minute baskets) and
/// reports it in every response's `time.operating`, with `time.operating_reset_at` (unix time) when the oldest
/// basket expires. Once a method has used its budget (480 s of 600 by default), the next call gets 429
/// `OPERATION_TIME_LIMIT`, so b24 waits for the reset instead of sending it.
///
/// The reports of all processes go to one file per portal under `B24Paths.limiterDirectory`, updated under a
/// `FileLock`; method names are compared case-insensitively, as the portal does.
public final class OperatingBudget: @unchecked Sendable {
    /// The portal key, `host:port` (see ``SharedLeakyBucket/portalKey(host:port:)``), followed by the caller
    /// (``callerKey(for:)``) when the budget is a caller's: the portal counts it per app or webhook.
    public let portal: String
    public let settings: LimiterSettings
    /// Where the per-method reports are kept.
    public let stateFile: URL
    // Immutable after init; the file lock serializes updates.
    private let lock: FileLock

    /// What the portal last reported for one method.
    public struct Usage: Sendable, Equatable, Codable {
        /// Seconds of operating time used in the current window.
        public var operating: TimeInterval
        /// When the window's oldest basket expires (as reported, or estimated as report time + window).
        public var resetAt: Date
    }

    public init(portal: String, settings: LimiterSettings = LimiterSettings(), directory: URL) {
        self.portal = portal
        self.settings = settings
        let name = LimiterFiles.baseName(for: portal)
        stateFile = directory.appendingPathComponent("\(name).operating.json")
        lock = FileLock(path: directory.appendingPathComponent("\(name).operating.lock"))
    }

    /// Who the portal charges operating time to, safe for a file name: `app-CLIENT_ID` for an application,
    /// `hook-USER-HASH` for a webhook (a digest of its code, which must not appear in a file name).
    public static func callerKey(for auth: Profile.Auth) -> String {
        switch auth {
        case .webhook(let webhook):
            return "hook-\(webhook.userID)-" + SHA256Hasher.hexDigest(webhook.code.reveal()).prefix(12)
        case .oauth(let oauth):
            return "app-\(oauth.clientID)"
        }
    }

    /// The budget of a portal under `paths.limiterDirectory`.
    public convenience init(portal: String, settings: LimiterSettings = LimiterSettings(), paths: B24Paths) {
        self.init(portal: portal, settings: settings, directory: paths.limiterDirectory)
    }

    /// Records what a response reported for a method.
    ///
    /// - Parameters:
    ///   - operating: `time.operating`, seconds used in the current window.
    ///   - resetAt: `time.operating_reset_at`; when missing, b24 assumes the window ends `operatingWindow` from now.
    public func record(method: String, operating: TimeInterval, resetAt: Date?, now: Date = Date()) throws {
        guard operating.isFinite, operating >= 0 else { return }
        let reset = resetAt ?? now.addingTimeInterval(settings.operatingWindow)
        try LimiterFiles.guarded("cannot update the operating-time state \(stateFile.path)") {
            try lock.withLock {
                var entries = load()
                // Forget windows that are over, so the file stays as small as the set of busy methods.
                entries = entries.filter { $0.value.resetAt > now }
                entries[method.lowercased()] = Usage(operating: operating, resetAt: reset)
                try overwriteStateFile(Data(Self.text(of: entries).utf8), at: stateFile)
            }
        }
    }

    /// Records that the portal refused the method with OPERATION_TIME_LIMIT: its budget is spent until
    /// `resetAt` (or one window from now when the portal did not say), whatever b24's own budget setting is.
    public func markExhausted(method: String, resetAt: Date?, now: Date = Date()) throws {
        try record(method: method, operating: max(settings.operatingBudget, 0), resetAt: resetAt, now: now)
    }

    /// Records the `time` block of a response envelope (`time.operating`, `time.operating_reset_at`); does
    /// nothing when the envelope carries no operating time (REST 3.0 answers, sandbox fault pages).
    public func record(timeOf envelope: JSONValue, method: String, now: Date = Date()) throws {
        guard let time = envelope["time"], let operating = time["operating"]?.doubleValue else { return }
        let resetAt = time["operating_reset_at"]?.doubleValue.map { Date(timeIntervalSince1970: $0) }
        try record(method: method, operating: operating, resetAt: resetAt, now: now)
    }

    /// Seconds to wait before calling `method`: until its reported reset when the reported operating time has
    /// reached the budget, else 0. An unreadable state file counts as no report (the portal still enforces).
    /// The wait never exceeds one window, whatever a damaged report says.
    public func requiredWait(method: String, now: Date = Date()) -> TimeInterval {
        guard let usage = usage(method: method, now: now), usage.operating >= settings.operatingBudget else { return 0 }
        return min(usage.resetAt.timeIntervalSince(now), settings.operatingWindow)
    }

    /// The last report for a method whose window is still running, or nil.
    public func usage(method: String, now: Date = Date()) -> Usage? {
        // Under the lock: `record` rewrites the file in place.
        guard let entries = try? lock.withLock({ load() }),
              let usage = entries[method.lowercased()], usage.resetAt > now
        else { return nil }
        return usage
    }

    // The file is `{"method": {"operating": SECONDS, "resetAt": SECONDS_SINCE_2001}}` (the layout Foundation's
    // JSONEncoder gave it), read and written with B24Wire: the Foundation coders cost milliseconds per start.

    private func load() -> [String: Usage] {
        guard let data = FileManager.default.contents(atPath: stateFile.path),
              let entries = (try? JSONParser.parse(data))?.objectValue
        else { return [:] }
        var usages: [String: Usage] = [:]
        for (method, entry) in entries {
            guard let operating = entry["operating"]?.doubleValue, operating.isFinite,
                  let resetAt = entry["resetAt"]?.doubleValue, resetAt.isFinite
            else { continue }
            usages[method] = Usage(operating: operating, resetAt: Date(timeIntervalSinceReferenceDate: resetAt))
        }
        return usages
    }

    private static func text(of entries: [String: Usage]) -> String {
        var object = JSONObject()
        for (method, usage) in entries.sorted(by: { $0.key < $1.key }) {
            object[method] = ["operating": .double(usage.operating),
                              "resetAt": .double(usage.resetAt.timeIntervalSinceReferenceDate)]
        }
        return JSONWriter.compact(.object(object))
    }
}

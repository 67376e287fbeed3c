import B24Catalog
import B24Wire
import Foundation

/// Client-side limits of one portal: the leaky bucket (burst / drain per second) and the operating-time budget.
///
/// Defaults match the portal's non-Enterprise plans (PROTOCOL.md §2.6): 50 requests of burst draining at 2 per
/// second, and 480 s of operating time per method per 600 s window. Enterprise is `250/5`.
public struct LimiterSettings: Codable, Sendable, Equatable {
    /// Bucket size: requests that may go out at once.
    public var burst: Double = 50
    /// Drain rate: requests per second the bucket empties by.
    public var perSecond: Double = 2
    /// Operating time a method may use per window before b24 waits for the window's reset.
    public var operatingBudget: TimeInterval = 480
    /// The portal's operating-time window.
    public var operatingWindow: TimeInterval = 600

    public init(burst: Double = 50, perSecond: Double = 2, operatingBudget: TimeInterval = 480,
                operatingWindow: TimeInterval = 600)
    {
        self.burst = burst
        self.perSecond = perSecond
        self.operatingBudget = operatingBudget
        self.operatingWindow = operatingWindow
    }

    /// Enterprise plans: burst 250, 5 per second.
    public static let enterprise = LimiterSettings(burst: 250, perSecond: 5)

    private enum CodingKeys: String, CodingKey {
        case burst, perSecond, operatingBudget, operatingWindow
    }

    // Missing keys take the defaults, so a profile that stores only `burst` still loads.
    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = LimiterSettings()
        burst = try container.decodeIfPresent(Double.self, forKey: .burst) ?? defaults.burst
        perSecond = try container.decodeIfPresent(Double.self, forKey: .perSecond) ?? defaults.perSecond
        operatingBudget = try container.decodeIfPresent(Double.self, forKey: .operatingBudget) ?? defaults.operatingBudget
        operatingWindow = try container.decodeIfPresent(Double.self, forKey: .operatingWindow) ?? defaults.operatingWindow
    }

    /// Settings from a `BURST/PER_SECOND` text such as `50/2` or `250/5` (the operating budget keeps its defaults).
    ///
    /// Throws `.usage` for anything else: missing slash, non-numbers, burst below 1, zero or negative rate.
    public static func parseBucket(_ text: String) throws -> LimiterSettings {
        func refuse(_ reason: String) -> B24Error {
            B24Error.usage(
                "limiter rate \"\(text)\" is not BURST/PER_SECOND (for example 50/2, or 250/5 on Enterprise): \(reason)")
        }
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
            .map { $0.trimmingWhitespace }
        guard parts.count == 2 else { throw refuse("expected exactly one \"/\"") }
        guard let burst = Double(parts[0]), burst.isFinite else { throw refuse("burst \"\(parts[0])\" is not a number") }
        guard let rate = Double(parts[1]), rate.isFinite else {
            throw refuse("rate \"\(parts[1])\" is not a number")
        }
        guard burst >= 1 else { throw refuse("burst must be at least 1") }
        guard rate > 0 else { throw refuse("rate must be above 0 per second") }
        return LimiterSettings(burst: burst, perSecond: rate)
    }

    /// The bucket as `BURST/PER_SECOND`, e.g. `50/2`.
    public var bucketDescription: String {
        func number(_ value: Double) -> String {
            value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
        }
        return "\(number(burst))/\(number(perSecond))"
    }
}

/// The portal's leaky bucket, mirrored on the client and shared by every b24 process on the machine.
///
/// The portal counts requests per portal (and source IP): a bucket of `burst` that drains at `perSecond`; a
/// request that finds it full gets 503 `QUERY_LIMIT_EXCEEDED`. Each b24 process keeps the same count in one
/// small file per portal under `B24Paths.limiterDirectory`, updated under a `FileLock`, so the console and
/// scripts running side by side stay under the limit together.
///
/// `acquire()` reserves a slot at once (the level may go above `burst` while callers queue) and then sleeps,
/// outside the lock, until the slot has drained in. Reserving first keeps waiting callers in order across
/// processes. A caller cancelled while waiting returns its slot. Waits carry a small margin because the portal counts a request when it arrives, a little later
/// and with some jitter.
public final class SharedLeakyBucket: @unchecked Sendable {
    /// The portal key, `host:port`.
    public let portal: String
    public let settings: LimiterSettings
    /// Where the level and its timestamp are kept.
    public let stateFile: URL
    /// Extra seconds added to every non-zero wait.
    public let margin: TimeInterval
    /// Slots of the burst left unused; nil keeps the default 5 % (see ``usableBurst``).
    public let burstReserve: Double?
    // Immutable after init; the file lock serializes the shared state.
    private let lock: FileLock
    private let clock: @Sendable () -> Date
    private let sleeper: @Sendable (TimeInterval) async throws -> Void

    /// - Parameters:
    ///   - portal: `host:port` of the portal (see ``portalKey(host:port:)``).
    ///   - directory: the shared limiter directory, normally `B24Paths.limiterDirectory`.
    ///   - margin: extra wait per delayed request; by default 5 % of one drain interval.
    ///   - clock, sleep: injectable for tests; wall-clock time because the state is shared between processes.
    public init(portal: String, settings: LimiterSettings = LimiterSettings(), directory: URL,
                margin: TimeInterval? = nil, reserve: Double? = nil, clock: @escaping @Sendable () -> Date = { Date() },
                sleep: @escaping @Sendable (TimeInterval) async throws -> Void = { seconds in
                    // Clamped so a huge wait cannot overflow the nanosecond count.
                    try await Task.sleep(nanoseconds: UInt64(min(max(0, seconds), 86_400) * 1_000_000_000))
                })
    {
        self.portal = portal
        self.settings = settings
        let name = LimiterFiles.baseName(for: portal)
        stateFile = directory.appendingPathComponent("\(name).bucket.json")
        lock = FileLock(path: directory.appendingPathComponent("\(name).bucket.lock"))
        let rate = settings.perSecond.isFinite && settings.perSecond > 0 ? settings.perSecond : LimiterSettings().perSecond
        self.margin = margin ?? 0.05 / rate
        burstReserve = reserve
        self.clock = clock
        sleeper = sleep
    }

    /// The bucket of a portal under `paths.limiterDirectory`.
    public convenience init(portal: String, settings: LimiterSettings = LimiterSettings(), paths: B24Paths,
                            reserve: Double? = nil) {
        self.init(portal: portal, settings: settings, directory: paths.limiterDirectory, reserve: reserve)
    }

    /// The portal key for a host and port: `host:port`, host lowercased, port 443 when not given.
    public static func portalKey(host: String, port: Int? = nil) -> String {
        "\(host.lowercased()):\(port ?? 443)"
    }

    /// The portal key of a URL (`https://example.bitrix24.com/rest/...` → `example.bitrix24.com:443`).
    public static func portalKey(for url: URL) -> String {
        let defaultPort = url.scheme?.lowercased() == "http" ? 80 : 443
        return portalKey(host: url.host ?? "", port: url.port ?? defaultPort)
    }

    /// Burst and rate as used: at least 1 and a positive rate, so settings built by hand cannot divide by zero.
    /// The part of the burst b24 uses. 5 % of it (at least one slot) stays free because the portal starts
    /// draining only when the first request arrives, and requests reach it a little after they leave here.
    /// `reserve` (when set) replaces that 5 %: `b24 export`, the one process pacing a long run, keeps 0 free.
    public var usableBurst: Double {
        let full = settings.burst.isFinite ? max(1, settings.burst) : LimiterSettings().burst
        if let burstReserve, burstReserve.isFinite, burstReserve >= 0 { return max(1, full - burstReserve) }
        return max(1, full - max(1, (full * 0.05).rounded(.down)))
    }

    private var burst: Double { usableBurst }
    private var rate: Double {
        settings.perSecond.isFinite && settings.perSecond > 0 ? settings.perSecond : LimiterSettings().perSecond
    }

    /// Takes one slot, waiting as long as needed. Returns the seconds waited (0 when a slot was free).
    ///
    /// Throws `CancellationError` when the task is cancelled while waiting, or `.usage` when the state file
    /// cannot be written.
    /// `announce` hears the wait before it starts, so a person is not left looking at a silent terminal.
    public func acquire(announce: ((TimeInterval) -> Void)? = nil) async throws -> TimeInterval {
        try Task.checkCancellation()
        let wait = try reserve()
        if wait > 0 {
            announce?(wait)
            do { try await sleeper(wait) } catch {
                // A caller that gives up (a closed console page, a cancelled call) hands its slot back, or every
                // process would wait for a request that never went out.
                try? release()
                throw error
            }
        }
        return wait
    }

    /// Gives back one reserved slot that was never used.
    private func release() throws {
        try LimiterFiles.guarded("cannot update the shared limiter state \(stateFile.path)") {
            try lock.withLock {
                let now = clock().timeIntervalSince1970
                try save(BucketState(level: max(0, drainedLevel(at: now) - 1), updated: now))
            }
        }
    }

    /// Reserves a slot under the lock; returns how long to wait before using it.
    private func reserve() throws -> TimeInterval {
        try LimiterFiles.guarded("cannot update the shared limiter state \(stateFile.path)") {
            try lock.withLock {
                let now = clock().timeIntervalSince1970
                let level = drainedLevel(at: now) + 1
                try save(BucketState(level: level, updated: now))
                guard level > burst else { return 0 }
                return (level - burst) / rate + margin
            }
        }
    }

    /// Records that the portal reported the bucket full (503 `QUERY_LIMIT_EXCEEDED`): the shared level rises to
    /// `burst`, so every process waits for a drain before the next request.
    public func markFull() throws {
        try LimiterFiles.guarded("cannot update the shared limiter state \(stateFile.path)") {
            try lock.withLock {
                let now = clock().timeIntervalSince1970
                try save(BucketState(level: max(drainedLevel(at: now), burst), updated: now))
            }
        }
    }

    /// The current shared level (requests in the bucket, plus reserved slots still waiting), drained to now.
    public func currentLevel() throws -> Double {
        try LimiterFiles.guarded("cannot read the shared limiter state \(stateFile.path)") {
            try lock.withLock { drainedLevel(at: clock().timeIntervalSince1970) }
        }
    }

    /// The shared state, kept as `{"level": L, "updated": UNIX_TIME}`. Read and written with B24Wire rather
    /// than Foundation's JSON coders, which cost milliseconds of start-up on every call.
    private struct BucketState {
        var level: Double
        /// Unix time of `level`.
        var updated: Double
    }

    private func drainedLevel(at now: Double) -> Double {
        guard let data = FileManager.default.contents(atPath: stateFile.path) else { return 0 }
        guard let state = try? JSONParser.parse(data), let level = state["level"]?.doubleValue,
              let updated = state["updated"]?.doubleValue, level.isFinite, updated.isFinite
        else {
            // Damaged state: assume a full bucket rather than risk a burst of 503s.
            return burst
        }
        // A clock that went backwards drains nothing (and the next save restarts from now).
        let elapsed = max(0, now - updated)
        return max(0, level - elapsed * rate)
    }

    private func save(_ state: BucketState) throws {
        let text = JSONWriter.compact(["level": .double(state.level), "updated": .double(state.updated)])
        try overwriteStateFile(Data(text.utf8), at: stateFile)
    }
}

/// File naming shared by the limiter state files.
enum LimiterFiles {
    /// A file-name-safe spelling of a portal key: `example.bitrix24.com:443` → `example.bitrix24.com_443`.
    static func baseName(for portal: String) -> String {
        let allowed = Set("abcdefghijklmnopqrstuvwxyz0123456789.-")
        let name = String(portal.lowercased().map { allowed.contains($0) ? $0 : "_" })
        // Never a hidden or empty name.
        return name.isEmpty || name.hasPrefix(".") ? "portal_" + name : name
    }

    /// Runs file work, turning Foundation errors into ``B24Error/usage(_:)`` so callers see one error type.
    static func guarded<T>(_ action: @autoclosure () -> String, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as B24Error {
            throw error
        } catch {
            throw B24Error.usage("\(action()): \(error.localizedDescription)")
        }
    }
}

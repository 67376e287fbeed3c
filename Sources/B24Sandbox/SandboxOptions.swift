import Foundation

/// Everything that shapes one sandbox portal. The defaults give a polite cloud-like portal on a free loopback port.
public struct SandboxOptions: Sendable {
    /// The portal's tariff, which picks the default leaky-bucket size.
    public enum Plan: String, Sendable, CaseIterable {
        /// 50 requests burst, drains 2 per second.
        case standard
        /// 250 requests burst, drains 5 per second.
        case enterprise
        /// No request-rate limit at all.
        case unlimited
    }

    /// Leaky-bucket setting: `.plan` follows `plan`, `.off` disables it, `.custom` sets burst and drain.
    public enum BucketSetting: Sendable, Equatable {
        case plan
        case off
        case custom(burst: Int, perSecond: Double)
    }

    public var host: String = "127.0.0.1"
    /// 0 picks a free port.
    public var port: Int = 0
    /// SQLite file for persistent state; nil keeps everything in memory.
    public var dataPath: String?
    public var plan: Plan = .standard
    /// The request-rate limit. `nil` (the default) follows `plan`; use `bucketSetting = .off` to switch it off.
    public var bucket: (burst: Int, perSecond: Double)? {
        get { if case .custom(let burst, let rate) = bucketSetting { return (burst, rate) } else { return nil } }
        set { bucketSetting = newValue.map { .custom(burst: $0.burst, perSecond: $0.perSecond) } ?? .plan }
    }
    /// The request-rate limit as an enum (lets callers switch it off).
    public var bucketSetting: BucketSetting = .plan
    /// Operating-time budget per method and app/webhook over 10 minutes; nil switches the limit off.
    public var operatingLimitSeconds: Double? = 480
    /// Simulated execution time (seconds) charged to a method's operating budget, by lowercased method name;
    /// `"*"` applies to every method without its own entry. Real elapsed time is charged too.
    public var simulatedOperatingSeconds: [String: Double] = [:]
    /// How much of the portal's own cost of list queries is charged to operating time: 1 charges what the
    /// documentation measured (a `start=-1` cursor page 0.097 s; an offset page 0.097 s plus 20.9 µs per row
    /// counted or skipped, so a deep page of 2.39 M leads costs ~50 s); 0 (the default) charges real time only.
    public var operatingScale: Double = 0
    /// The operating-time window (10 baskets of a tenth each); the portal's is 600 s. Shorter windows let tests
    /// and benchmarks see a reset in seconds.
    public var operatingWindowSeconds: Double = 600
    /// How many demo leads exist at start (generated lazily: a million costs no memory until touched).
    public var leads: Int = 200
    /// Random CRM changes per second made by a simulated colleague (0 = quiet portal).
    public var activityPerSecond: Double = 0
    /// Random faults mixed into answers.
    public var faults: FaultSpec = FaultSpec()
    /// Seed for codes, demo data and fault rolls.
    public var seed: UInt64 = 1
    public var accessTokenLifetime: TimeInterval = 3600
    /// Answer plain-HTTP calls with 400 INVALID_REQUEST "Https required", like the cloud.
    public var requireHTTPS: Bool = false
    /// Largest accepted request body.
    public var maxBodyBytes: Int = 8 * 1024 * 1024

    public init() {}

    /// Burst and drain rate actually in force, or nil when there is no rate limit.
    public var effectiveBucket: (burst: Int, perSecond: Double)? {
        switch bucketSetting {
        case .off: return nil
        case .custom(let burst, let rate): return (burst, rate)
        case .plan:
            switch plan {
            case .standard: return (50, 2)
            case .enterprise: return (250, 5)
            case .unlimited: return nil
            }
        }
    }
}

/// A misbehaviour the sandbox can produce instead of (or around) a normal answer.
public enum Fault: Sendable, Equatable {
    /// An error answer with this HTTP status: 503 gives QUERY_LIMIT_EXCEEDED, 500 INTERNAL_SERVER_ERROR,
    /// 429 OPERATION_TIME_LIMIT, 502/504 a proxy page, anything else a generic portal error.
    case status(Int)
    /// A 502 HTML page from a "proxy".
    case html
    /// Headers promise the full body, half of it arrives, then the connection closes.
    case truncate
    /// The connection closes before any response is written (the method does not run).
    case drop
    /// The method runs (its effects happen), then the connection closes without a response.
    case dropAfterRunning
    /// The answer is delayed by this many seconds.
    case slow(Double)
    /// A valid but very large (~12 MB) success body.
    case hugeBody
}

/// Probabilistic faults, parsed from text such as `503:0.1,500:0.02,slow:0.05@2s,html:0.01,drop:0.01,truncate:0.01`.
public struct FaultSpec: Sendable, Equatable {
    /// Each fault with its probability per request (0...1), tried in order.
    public var entries: [(fault: Fault, probability: Double)] = []

    public init() {}

    public init(entries: [(fault: Fault, probability: Double)]) { self.entries = entries }

    /// Why a fault spec could not be read.
    public struct ParseError: Error, CustomStringConvertible, Sendable {
        public var description: String
    }

    /// Parses the comma-separated `kind:probability[@seconds]` form; kinds are HTTP statuses, `slow`, `html`,
    /// `drop`, `drop-after`, `truncate`, `huge`. An empty string means no faults.
    public init(parsing text: String) throws {
        for item in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !item.isEmpty {
            let parts = item.split(separator: ":", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { throw ParseError(description: "fault '\(item)' needs kind:probability") }
            var probabilityText = parts[1]
            var seconds = 2.0
            if let at = probabilityText.firstIndex(of: "@") {
                var delay = String(probabilityText[probabilityText.index(after: at)...])
                if delay.hasSuffix("ms"), let ms = Double(delay.dropLast(2)) { delay = String(ms / 1000) }
                else if delay.hasSuffix("s") { delay.removeLast() }
                guard let value = Double(delay), value >= 0 else {
                    throw ParseError(description: "fault '\(item)': bad delay")
                }
                seconds = value
                probabilityText = String(probabilityText[..<at])
            }
            guard let probability = Double(probabilityText), (0...1).contains(probability) else {
                throw ParseError(description: "fault '\(item)': probability must be 0...1")
            }
            let fault: Fault
            switch parts[0].lowercased() {
            case "slow": fault = .slow(seconds)
            case "html": fault = .html
            case "drop": fault = .drop
            case "drop-after", "dropafter", "drop_after": fault = .dropAfterRunning
            case "truncate": fault = .truncate
            case "huge", "hugebody": fault = .hugeBody
            case let kind:
                guard let status = Int(kind), (400...599).contains(status) else {
                    throw ParseError(description: "fault '\(item)': unknown kind '\(kind)'")
                }
                fault = .status(status)
            }
            entries.append((fault, probability))
        }
    }

    public static func == (lhs: FaultSpec, rhs: FaultSpec) -> Bool {
        lhs.entries.count == rhs.entries.count
            && zip(lhs.entries, rhs.entries).allSatisfy { $0.fault == $1.fault && $0.probability == $1.probability }
    }
}

import B24Wire
import Foundation

/// Where an export stands, as the CLI's progress bar and the console's export screen draw it.
public struct ExportProgress: Sendable, Equatable {
    /// `main` or `catch-up`.
    public var phase: String
    /// Rows in the file (resumed rows included).
    public var rows: Int
    /// The portal's count for the scope when the export began.
    public var total: Int
    /// Seconds since this run began.
    public var elapsed: TimeInterval
    /// Rows fetched per second by this run.
    public var rowsPerSecond: Double
    /// Seconds left at the current pace, when it can be told.
    public var eta: TimeInterval?
    /// `batch` requests sent by this run.
    public var requests: Int
    /// How full the shared leaky bucket is, 0...1.
    public var bucketFill: Double
    /// Operating seconds the portal last reported for the method, and the budget the export keeps under.
    public var operatingUsed: TimeInterval
    public var operatingBudget: TimeInterval

    public init(phase: String, rows: Int, total: Int, elapsed: TimeInterval, rowsPerSecond: Double,
                eta: TimeInterval?, requests: Int, bucketFill: Double, operatingUsed: TimeInterval,
                operatingBudget: TimeInterval)
    {
        self.phase = phase
        self.rows = rows
        self.total = total
        self.elapsed = elapsed
        self.rowsPerSecond = rowsPerSecond
        self.eta = eta
        self.requests = requests
        self.bucketFill = bucketFill
        self.operatingUsed = operatingUsed
        self.operatingBudget = operatingBudget
    }
}

/// One thing an export tells while it runs; the stream ends with ``ExportSummary`` or an ``ExportError``.
public enum ExportEvent: Sendable {
    /// The scope is fixed: rows with IDs up to `maxID` (nil for offset walks), `total` of them; `resumedRows`
    /// were already in the file.
    case scoped(maxID: Int64?, total: Int, resumedRows: Int)
    /// After each batch written and checkpointed.
    case progress(ExportProgress)
    /// The export sleeps: `reason` says for what.
    case waiting(reason: String, seconds: TimeInterval)
    /// Something the person should know that did not stop the export.
    case warning(String)
}

/// Hears an export's events on the task that runs it; it must return quickly.
public typealias ExportObserver = @Sendable (ExportEvent) -> Void

/// How an export ended.
public struct ExportSummary: Sendable {
    public var rows = 0
    /// The portal's count for the scope when the export began.
    public var total = 0
    /// The count asked again at the end, when the rows written did not match `total`.
    public var totalAtEnd: Int?
    /// Rows of the catch-up pass (appended after the main pass).
    public var catchUpRows = 0
    public var requests = 0
    public var elapsed: TimeInterval = 0
    /// 503 QUERY_LIMIT_EXCEEDED answers met (the client retries them).
    public var rateLimitAnswers = 0
    /// OPERATION_TIME_LIMIT answers met (the export sleeps until the reset and goes on).
    public var operatingLimitAnswers = 0
    /// Batches sent again after a failure.
    public var retries = 0
    /// Seconds slept for the operating-time budget.
    public var operatingWaits: TimeInterval = 0
    /// CSV values that had no column.
    public var droppedValues = 0
    /// True when the export had already finished before this run (`--resume` of a complete file).
    public var alreadyComplete = false
    public var warnings: [String] = []

    public init() {}

    /// True when the rows written match the portal's count of the scope (at the start or at the end).
    public var countMatches: Bool { rows == total || rows == totalAtEnd }
}

/// Why an export stopped. The file keeps every row up to its checkpoint.
public enum ExportError: Error, Sendable, CustomStringConvertible {
    /// A portal, policy, usage or network failure of the client.
    case client(B24Error)
    /// The output file could not be created, written or resumed (a full disk, a changed file).
    case output(String)
    /// A problem with the arguments or the checkpoint, found before anything was written.
    case usage(String)

    public var description: String {
        switch self {
        case .client(let error): return error.message
        case .output(let text), .usage(let text): return text
        }
    }

    /// The CLI's exit code: the client's codes, 64 for usage, 74 (EX_IOERR) for the output file.
    public var exitCode: Int32 {
        switch self {
        case .client(let error): return error.exitCode
        case .usage: return B24ExitCode.usage
        case .output: return 74
        }
    }
}

/// The operating-time side of the export's scheduler: from the `time` of each command it learns what a page
/// costs and how much of the method's budget is used, and sizes the next batch so the budget is never crossed
/// (the portal checks before each call, so staying under it means no OPERATION_TIME_LIMIT); when no page fits,
/// the export sleeps until `operating_reset_at`.
struct OperatingScheduler {
    let budget: TimeInterval
    private(set) var used: TimeInterval = 0
    private(set) var resetAt: Date?
    /// The dearest page seen lately (seconds of operating time).
    private(set) var pageCost: TimeInterval = 0
    /// Part of the budget kept free for the estimate's error.
    static let headroom = 0.97

    init(budget: TimeInterval) { self.budget = budget }

    /// Learns from the `result_time` entries of one batch, in command order.
    mutating func observe(_ times: [JSONValue]) {
        var previous: Double?
        var dearest = 0.0
        for time in times {
            guard let operating = time["operating"]?.doubleValue else { continue }
            if let previous, operating > previous {
                dearest = max(dearest, operating - previous)
                learned = true
            }
            previous = operating
            used = operating
            if let reset = time["operating_reset_at"]?.doubleValue { resetAt = Date(timeIntervalSince1970: reset) }
        }
        // A page that cost more than any before counts at once; cheaper ones lower the estimate slowly.
        // A batch of one page shows no difference and leaves the estimate as it was.
        guard dearest > 0 else { return }
        pageCost = dearest >= pageCost ? dearest : max(dearest, pageCost * 0.8)
    }

    /// Takes a command's use and reset without learning a page's cost from it.
    mutating func note(_ time: JSONValue) {
        if let operating = time["operating"]?.doubleValue { used = operating }
        if let reset = time["operating_reset_at"]?.doubleValue { resetAt = Date(timeIntervalSince1970: reset) }
    }

    /// The first report, before any page: the operating time after one cheap query stands for a page's cost.
    mutating func seed(cost: TimeInterval) { pageCost = max(pageCost, cost) }

    /// True once a batch of several pages has shown what a page costs.
    private(set) var learned = false

    /// How many pages (0...limit) the next batch may carry and still leave the method under its budget. While a
    /// page's cost is only guessed (from the scope query, which reads one field) and the budget could bind, two
    /// pages go first to measure it.
    func pagesAllowed(limit: Int) -> Int {
        let room = budget * Self.headroom - used
        guard room > 0 else { return 0 }
        guard pageCost > 0 else { return limit }
        let fit = min(limit, Int((room / (pageCost * Self.safety)).rounded(.down)))
        return learned || fit >= limit ? fit : min(fit, 2)
    }

    /// Pages may cost more than the estimate (real time is charged too).
    static let safety = 1.25

    /// Seconds to sleep before a batch of at least one page may go.
    func waitForReset(now: Date = Date()) -> TimeInterval {
        guard let resetAt else { return 1 }
        return max(0, resetAt.timeIntervalSince(now)) + 0.25
    }

    /// After the sleep the oldest basket is gone; what is left is unknown until the next answer, which is why the
    /// next batch is one page.
    mutating func afterReset() { used = max(0, budget * Self.headroom - pageCost * Self.safety * 1.5) }

    /// The portal refused a command with OPERATION_TIME_LIMIT: the budget is spent until the reset.
    mutating func exhausted(resetAt: Date?) {
        used = budget
        if let resetAt { self.resetAt = resetAt } else if self.resetAt.map({ $0 < Date() }) ?? true {
            self.resetAt = Date().addingTimeInterval(60)
        }
    }
}

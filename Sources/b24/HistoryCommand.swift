import ArgumentParser
import B24Client
import Foundation

/// `b24 history`: recent calls from the SQLite history, and one call's full trace.
struct HistoryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history",
        abstract: "Show recent calls, or one call's trace (attempts, waits, refreshes) with `history ID`.")

    @Argument(help: "A call id (or unique prefix) to show in full.")
    var id: String?

    @Option(name: .long, parsing: .unconditional, help: "How many calls to list.")
    var limit = 20

    @Option(name: .long, help: "Only calls of this profile.")
    var profile: String?

    @Flag(name: .long, help: "With an ID: print the trace as JSON (ISO 8601 times).")
    var json = false

    @Flag(name: .long, help: ArgumentHelp(
        "Delete now the history beyond the retention (with the large responses only those calls used), and expired plans and idempotency keys.",
        discussion: "The retention is 30 days and 20000 calls unless B24_HISTORY_DAYS / B24_HISTORY_MAX_CALLS (0: no limit) or --keep-days / --keep-calls say otherwise. b24 also prunes by itself, at most hourly, when it opens the database."))
    var prune = false

    @Option(name: .long, parsing: .unconditional, help: "With --prune: keep calls of the last N days (0: no age limit).")
    var keepDays: Int?

    @Option(name: .long, parsing: .unconditional, help: "With --prune: keep at most the newest N calls (0: no count limit).")
    var keepCalls: Int?

    func run() async throws {
        await guarded {
            let environment = ProcessInfo.processInfo.environment
            guard limit > 0 else { throw B24Error.usage("--limit must be 1 or more") }
            var retention = try HistoryRetention(environment: environment)
            if prune {
                guard id == nil else { throw B24Error.usage("--prune takes no call id") }
                retention = try pruneRetention(from: retention)
            } else if keepDays != nil || keepCalls != nil {
                throw B24Error.usage("--keep-days and --keep-calls go with --prune")
            }
            let store = try B24Store(path: B24Paths.fromEnvironment(environment).databaseFile, retention: retention,
                                     maintain: !prune)
            if prune {
                let result = try store.purgeExpired(retention: retention)
                let bodies = result.bodies > 0 ? " (and \(counted(result.bodies, "large response")) no call uses any more)" : ""
                print("deleted \(counted(result.history, "call")) from history\(bodies), \(counted(result.plans, "expired plan")), "
                    + "\(counted(result.idempotencyKeys, "expired idempotency key")); history keeps "
                    + "\(retention.days.map { "the last \(counted($0, "day"))" } ?? "every day"), "
                    + "\(retention.maximumCalls.map { "at most \(counted($0, "call"))" } ?? "any number of calls")")
                return
            }
            if let id {
                guard let trace = try store.trace(id: id) else { throw B24Error.usage("no call with id \(id) in history") }
                print(json ? try TraceText.json(trace) : TraceText.render(trace))
                return
            }
            let formatter = ISO8601DateFormatter()
            for entry in try store.recentHistory(limit: limit, profile: profile) {
                let time = formatter.string(from: entry.startedAt)
                print("\(entry.id.prefix(8))  \(time)  \(entry.profile)  \(entry.method)  \(entry.status)\(entry.errorCode.map { " " + $0 } ?? "")  \(formatDuration(entry.duration))")
            }
        }
    }

    /// The retention `--keep-days` / `--keep-calls` make of `base`; 0 lifts a limit.
    private func pruneRetention(from base: HistoryRetention) throws -> HistoryRetention {
        var retention = base
        if let keepDays {
            guard keepDays >= 0 else { throw B24Error.usage("--keep-days must be 0 or more") }
            retention.days = keepDays == 0 ? nil : keepDays
        }
        if let keepCalls {
            guard keepCalls >= 0 else { throw B24Error.usage("--keep-calls must be 0 or more") }
            retention.maximumCalls = keepCalls == 0 ? nil : keepCalls
        }
        return retention
    }
}

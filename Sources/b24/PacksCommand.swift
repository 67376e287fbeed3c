import ArgumentParser
import B24Catalog
import B24Client
import B24Wire
import Foundation

/// `b24 packs [NAME]`: the capability packs, their allow patterns and catalog methods.
struct PacksCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "packs",
        abstract: "List packs with their allow patterns and catalog methods.")

    @Argument(help: "Show one pack in full.")
    var name: String?

    func run() async throws {
        await guarded {
            let catalog = Catalog.bundled
            if let name {
                guard let pack = catalog.pack(named: name) else {
                    throw B24Error.usage("unknown pack '\(name)' (packs: \(catalog.packNames.joined(separator: ", ")))")
                }
                print("\(pack.name) — \(pack.summary)")
                print("allows: \(pack.allow.joined(separator: " "))")
                for method in pack.methods {
                    let risk = method.risk.rawValue.padding(toLength: 11, withPad: " ", startingAt: 0)
                    print("  \(risk) \(method.name.padding(toLength: 40, withPad: " ", startingAt: 0)) \(method.summary)")
                }
                if !pack.chains.isEmpty {
                    print("chains:")
                    for chain in pack.chains { print("  \(chain.title): \(chain.steps.map { $0.method ?? $0.note }.joined(separator: " → "))") }
                }
                return
            }
            for pack in catalog.packs {
                let marker = pack.name == catalog.defaultPackName ? " (default)" : ""
                print("\(pack.name)\(marker) — \(pack.summary)")
                print("  allows: \(pack.allow.joined(separator: " "))")
                print("  methods: \(pack.methods.map(\.name).joined(separator: ", "))")
            }
        }
    }
}

/// `b24 history`: recent calls from the SQLite history, and one call's full trace.
struct HistoryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history",
        abstract: "Show recent calls, or one call's trace (attempts, waits, refreshes) with `history ID`.")

    @Argument(help: "A call id (or unique prefix) to show in full.")
    var id: String?

    @Option(name: .long, help: "How many calls to list.")
    var limit = 20

    @Option(name: .long, help: "Only calls of this profile.")
    var profile: String?

    @Flag(name: .long, help: "With an ID: print the trace as JSON (ISO 8601 times).")
    var json = false

    func run() async throws {
        await guarded {
            let store = try B24Store(path: B24Paths.fromEnvironment().databaseFile)
            if let id {
                guard let trace = try store.trace(id: id) else { throw B24Error.usage("no call with id \(id) in history") }
                print(json ? try TraceText.json(trace) : TraceText.render(trace))
                return
            }
            for entry in try store.recentHistory(limit: limit, profile: profile) {
                let time = ISO8601DateFormatter().string(from: entry.startedAt)
                print("\(entry.id.prefix(8))  \(time)  \(entry.profile)  \(entry.method)  \(entry.status)\(entry.errorCode.map { " " + $0 } ?? "")  \(formatDuration(entry.duration))")
            }
        }
    }
}

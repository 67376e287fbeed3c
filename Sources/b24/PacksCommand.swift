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

import B24Catalog
import TerminalKit

/// A piece of a row in a theme role (views turn roles into styles).
public struct Span: Equatable, Sendable {
    public var text: String
    public var role: ThemeRole
    public init(_ text: String, _ role: ThemeRole = .text) {
        self.text = text
        self.role = role
    }
}

/// What Enter on a row does.
public enum RowTarget: Equatable, Sendable {
    case none
    case route(Route)
    /// Switch to this profile ("sandbox" = the embedded portal).
    case profile(String)
}

/// One selectable row of a pane: spans left to right, optional right-aligned detail, a target.
public struct PaneRow: Equatable, Sendable {
    public var spans: [Span]
    public var detail: String?
    /// Right-hand table columns (e.g. scope, API), aligned across the pane. The spans keep the width they
    /// need first; then the last column; earlier columns shrink or drop when the pane is narrow.
    public var columns: [String]
    public var target: RowTarget

    public init(_ spans: [Span], detail: String? = nil, columns: [String] = [], target: RowTarget = .none) {
        self.spans = spans
        self.detail = detail
        self.columns = columns
        self.target = target
    }

    /// Plain text of the row (tests, search in rows).
    public var text: String { spans.map(\.text).joined() }
}

/// The panes of each screen. Shared by the reducer (cursor bounds, Enter) and the views (drawing).
public enum Panes {
    /// Pane titles of a route; the count is the number of focusable panes.
    public static func titles(_ route: Route, _ state: ConsoleState) -> [String] {
        switch route {
        case .home: return ["Go to", "Profiles"]
        case .packs: return ["Packs"]
        case .pack(let name): return ["Methods of \(name)", "Chains of \(name)"]
        case .method: return ["Parameters and chains"]
        case .chains(let pack): return [pack.map { "Chains of \($0)" } ?? "All chains"]
        case .chain: return ["Steps and guardrails"]
        case .search: return ["Results"]
        }
    }

    /// Rows of one pane.
    public static func rows(_ route: Route, pane: Int, _ state: ConsoleState) -> [PaneRow] {
        let catalog = state.catalog
        switch route {
        case .home:
            return pane == 0 ? homeMenu : profileRows(state)
        case .packs:
            var rows = catalog.packs.map { pack in
                PaneRow([Span(pad(pack.name, toWidth: 12), .primary), Span(pack.summary)],
                        detail: "\(pack.methods.count) methods", target: .route(.pack(pack.name)))
            }
            let other = state.otherMethods
            if !other.isEmpty {
                rows.append(PaneRow([Span(pad(otherPackName, toWidth: 12), .accent), Span("methods this portal has that no pack lists")],
                                    detail: "\(other.count) methods", target: .route(.pack(otherPackName))))
            }
            return rows
        case .pack(let name):
            if name == otherPackName {
                return pane == 0 ? state.otherMethods.map { methodRow($0, risk: catalog.riskByVerb(of: $0), scope: "", api: "") } : []
            }
            guard let pack = catalog.pack(named: name) else { return [] }
            if pane == 0 {
                return pack.methods.map { m in
                    methodRow(m.name, risk: m.risk, scope: m.scope, api: m.api.map(\.rawValue).joined(separator: "/"))
                }
            }
            return pack.chains.map(chainRow)
        case .method(let name):
            return methodDetailRows(name, catalog)
        case .chains(let pack):
            let chains = pack.flatMap { catalog.pack(named: $0)?.chains } ?? catalog.allChains
            return chains.map(chainRow)
        case .chain(let id):
            return chainDetailRows(id, catalog)
        case .search:
            return state.search.hits.map(searchRow)
        }
    }

    /// The name of the pseudo-pack of live-discovered methods.
    public static let otherPackName = "other"

    static let homeMenu: [PaneRow] = [
        PaneRow([Span("Packs", .primary), Span(" — browse packs, methods and chains")], target: .route(.packs)),
        PaneRow([Span("Chains", .primary), Span(" — every chain of every pack")], target: .route(.chains(nil))),
        PaneRow([Span("Search", .primary), Span(" — packs, methods, chains (/)")], target: .route(.search)),
    ]

    static func profileRows(_ state: ConsoleState) -> [PaneRow] {
        var rows = state.profiles.map { p -> PaneRow in
            var spans = [Span(p.name, .primary)]
            if p.isDefault { spans.append(Span(" (default)", .muted)) }
            if p.production { spans.append(Span(" PRODUCTION", .error)) }
            return PaneRow(spans, detail: p.portal, target: .profile(p.name))
        }
        rows.append(PaneRow([Span(ProfileEntry.sandboxName, .primary), Span(" — built-in portal, no account needed", .muted)],
                            target: .profile(ProfileEntry.sandboxName)))
        return rows
    }

    /// "READ " badge text (fixed width 5 so names line up).
    public static func badge(_ risk: RiskClass) -> String {
        switch risk {
        case .read: return "read "
        case .write: return "write"
        case .mixed: return "mixed"
        case .destructive: return "DESTR"
        }
    }

    /// The theme role that colours a risk.
    public static func role(_ risk: RiskClass) -> ThemeRole {
        switch risk {
        case .read: return .riskRead
        case .write: return .riskWrite
        case .mixed: return .riskMixed
        case .destructive: return .riskDestructive
        }
    }

    static func methodRow(_ name: String, risk: RiskClass, scope: String, api: String) -> PaneRow {
        PaneRow([Span(badge(risk), role(risk)), Span(" "), Span(name)], columns: [scope, api], target: .route(.method(name)))
    }

    static func chainRow(_ chain: Chain) -> PaneRow {
        PaneRow([Span(chain.title)], detail: chain.id, target: .route(.chain(chain.id)))
    }

    static func searchRow(_ hit: SearchHit) -> PaneRow {
        let route: Route
        switch hit.kind {
        case .pack: route = .pack(hit.name)
        case .method: route = .method(hit.name)
        case .chain: route = .chain(hit.name)
        }
        return PaneRow([Span(pad(hit.kind.rawValue, toWidth: 7), .muted), Span(hit.name, .primary), Span("  " + hit.title)],
                       detail: hit.reason, target: .route(route))
    }

    static func methodDetailRows(_ name: String, _ catalog: Catalog) -> [PaneRow] {
        var rows: [PaneRow] = []
        let specs = catalog.specs(for: name)
        // One section per API version the catalog has a spec for (v2 and REST 3.0 differ in names and shape).
        for spec in specs {
            let title = spec.api == .v3 ? "Parameters (v3, REST 3.0)" : "Parameters (\(spec.api))"
            rows.append(PaneRow([Span(title, .header)]))
            if spec.params.isEmpty { rows.append(PaneRow([Span("  none", .muted)])) }
            for param in spec.params {
                rows.append(PaneRow([Span("  " + pad(param.name, toWidth: 18), .primary), Span(" " + pad(param.type.rawValue, toWidth: 8), .accent),
                                     Span(param.required ? " required " : " optional ", param.required ? .warning : .muted),
                                     Span(" " + param.description)]))
            }
        }
        if specs.isEmpty {
            rows.append(PaneRow([Span("Parameters", .header)]))
            rows.append(PaneRow([Span("  no spec bundled for this method; see the doc page", .muted)]))
        }
        let chains = catalog.allChains.filter { chain in
            chain.methodNames.contains { $0.lowercased() == name.lowercased() }
        }
        rows.append(PaneRow([Span("Chains that use it", .header)]))
        if chains.isEmpty { rows.append(PaneRow([Span("  none", .muted)])) }
        for chain in chains {
            rows.append(PaneRow([Span("  "), Span(chain.title)], detail: chain.id, target: .route(.chain(chain.id))))
        }
        return rows
    }

    static func chainDetailRows(_ id: String, _ catalog: Catalog) -> [PaneRow] {
        guard let chain = catalog.chain(id: id) else { return [] }
        var rows: [PaneRow] = [PaneRow([Span("Steps", .header)])]
        for (i, step) in chain.steps.enumerated() {
            let method = step.method ?? ""
            let risk = catalog.risk(of: method)
            var spans = [Span(" \(i + 1). ", .muted)]
            if method.isEmpty {
                spans.append(Span("      " + step.note, .muted))  // a step done outside the portal
            } else {
                spans += [Span(badge(risk), role(risk)), Span(" "), Span(step.methods.joined(separator: " / "), .primary)]
                if !step.note.isEmpty { spans.append(Span(" — " + step.note)) }
            }
            if let event = step.event { spans.append(Span(" (event \(event))", .muted)) }
            rows.append(PaneRow(spans, target: method.isEmpty ? .none : .route(.method(method))))
        }
        rows.append(PaneRow([Span("Guardrails", .header)]))
        if chain.guardrails.isEmpty { rows.append(PaneRow([Span("  none beyond the usual confirmations", .muted)])) }
        for g in chain.guardrails { rows.append(PaneRow([Span("  • " + g, .warning)])) }
        return rows
    }
}

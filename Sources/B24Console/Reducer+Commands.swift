import B24Catalog
import TerminalKit

/// The palette's commands, for help and error messages.
public let paletteCommands = [
    "packs", "pack NAME", "method NAME", "chains [PACK]", "chain ID", "search TEXT", "profile NAME", "theme NAME",
    "home", "help", "quit",
]

/// Runs a `:` command line. Errors go to the status line; the palette reopens with the text so
/// nothing typed is lost.
func runCommand(_ state: inout ConsoleState, _ line: String) -> [Effect] {
    let trimmed = line.trimmingCharacters(in: .whitespaces)
    let parts = trimmed.split(separator: " ", maxSplits: 1).map(String.init)
    guard let verb = parts.first?.lowercased() else { return [] }
    let argument = parts.count > 1 ? parts[1].trimmingCharacters(in: .whitespaces) : ""
    func fail(_ message: String) -> [Effect] {
        state.status = StatusMessage(message, kind: .error)
        state.modal = .palette(EditableText(trimmed))
        return []
    }
    func needs(_ what: String) -> [Effect] { fail(":\(verb) needs \(what), e.g. :\(verb) \(example(verb))") }

    switch verb {
    case "packs":
        return jump(&state, .packs)
    case "pack":
        guard !argument.isEmpty else { return needs("a pack name") }
        if argument.lowercased() == Panes.otherPackName {
            guard !state.otherMethods.isEmpty else { return fail("no \"other\" methods: the portal lists none beyond the catalog (yet)") }
            return jump(&state, .pack(Panes.otherPackName))
        }
        guard let pack = state.catalog.pack(named: argument) else {
            return fail("unknown pack \"\(argument)\"; packs: \(state.catalog.packNames.joined(separator: ", "))")
        }
        return jump(&state, .pack(pack.name))
    case "method", "m":
        guard !argument.isEmpty else { return needs("a method name") }
        if let entry = state.catalog.entry(for: argument) { return jump(&state, .method(entry.method.name)) }
        if let known = state.live.portalMethods.value?.first(where: { $0.lowercased() == argument.lowercased() }) {
            return jump(&state, .method(known))
        }
        if !state.catalog.specs(for: argument).isEmpty { return jump(&state, .method(argument)) }
        return fail("unknown method \"\(argument)\": not in the catalog nor in the portal's method list")
    case "chains":
        if argument.isEmpty {
            if case .pack(let name) = state.route, name != Panes.otherPackName { return jump(&state, .chains(name)) }
            return jump(&state, .chains(nil))
        }
        guard let pack = state.catalog.pack(named: argument) else { return fail("unknown pack \"\(argument)\"") }
        return jump(&state, .chains(pack.name))
    case "chain":
        guard !argument.isEmpty else { return needs("a chain id") }
        guard let chain = state.catalog.chain(id: argument) else { return fail("unknown chain \"\(argument)\"") }
        return jump(&state, .chain(chain.id))
    case "search", "find":
        let effects = open(&state, .search)
        setQuery(&state, EditableText(argument))
        return effects
    case "profile":
        guard !argument.isEmpty else { return needs("a profile name") }
        let known = state.profiles.map(\.name) + [ProfileEntry.sandboxName]
        guard known.contains(argument) else {
            return fail("unknown profile \"\(argument)\"; profiles: \(known.joined(separator: ", "))")
        }
        return switchProfile(&state, argument)
    case "theme":
        guard !argument.isEmpty else { return needs("a theme name") }
        state.themeFromFlag = true  // an explicit choice wins over the profile's theme
        return [.loadTheme(argument)]
    case "home":
        return open(&state, .home)
    case "help":
        state.modal = .help(0)
        return []
    case "quit", "q", "exit":
        return reduce(&state, .quit)
    default:
        return fail("unknown command \"\(verb)\" — try: \(paletteCommands.joined(separator: ", "))")
    }
}

private func example(_ verb: String) -> String {
    switch verb {
    case "pack": return "comms"
    case "method", "m": return "crm.lead.list"
    case "chain": return "core.lead-intake"
    case "profile": return "sandbox"
    case "theme": return "light"
    default: return "NAME"
    }
}

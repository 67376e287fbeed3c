import B24Catalog
import B24Client
import B24Wire
import TerminalKit

/// What the console can be told to do: by a key (``KeyAction/command``), by a screen (an `.run` effect), or
/// typed in the `:` palette (``Command/parse(_:_:)``). One function runs them all.
public enum Command: Equatable, Sendable, CustomStringConvertible {
    /// Push a screen (an overlay route opens the overlay).
    case open(Route)
    /// Go to a screen along its natural path (Home › Packs › pack › method), replacing the stack.
    case jump(Route)
    /// Open search with a query.
    case search(String)
    case back
    case help
    case palette
    case profile(String)
    case theme(String)
    case refresh
    case redraw
    case quit
    /// Start, advance, skip or stop a chain run.
    case chain(ChainCommand)

    /// The palette's commands, for help and error messages.
    public static let paletteUsage = [
        "packs", "pack NAME", "method NAME", "chains [PACK]", "chain ID", "search TEXT", "profile NAME", "theme NAME",
        "home", "help", "quit", "call METHOD [JSON]", "history", "run CHAIN", "chain stop", "plan ID", "events",
    ]

    public var description: String {
        switch self {
        case .open(let route): return "open \(route)"
        case .jump(let route): return "jump \(route)"
        case .search(let text): return "search \(text)"
        case .back: return "back"
        case .help: return "help"
        case .palette: return "palette"
        case .profile(let name): return "profile \(name)"
        case .theme(let name): return "theme \(name)"
        case .refresh: return "refresh"
        case .redraw: return "redraw"
        case .quit: return "quit"
        case .chain(let command): return "chain \(command)"
        }
    }

    /// A palette line as a command, or the message that says what is wrong with it.
    public static func parse(_ line: String, _ app: ConsoleState) -> Result<Command, ConsoleFailure> {
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        let parts = trimmed.split(separator: " ", maxSplits: 1).map(String.init)
        guard let verb = parts.first?.lowercased() else { return .failure(ConsoleFailure("")) }
        let argument = parts.count > 1 ? parts[1].trimmingCharacters(in: .whitespaces) : ""
        func fail(_ message: String) -> Result<Command, ConsoleFailure> { .failure(ConsoleFailure(message)) }
        func needs(_ what: String) -> Result<Command, ConsoleFailure> { fail(":\(verb) needs \(what), e.g. :\(verb) \(example(verb))") }
        let catalog = app.catalog
        switch verb {
        case "packs":
            return .success(.jump(.packs))
        case "pack":
            guard !argument.isEmpty else { return needs("a pack name") }
            if argument.lowercased() == CatalogRows.otherPackName {
                guard !app.otherMethods.isEmpty else { return fail("no \"other\" methods: the portal lists none beyond the catalog (yet)") }
                return .success(.jump(.pack(CatalogRows.otherPackName)))
            }
            guard let pack = catalog.pack(named: argument) else {
                return fail("unknown pack \"\(argument)\"; packs: \(catalog.packNames.joined(separator: ", "))")
            }
            return .success(.jump(.pack(pack.name)))
        case "method", "m":
            guard !argument.isEmpty else { return needs("a method name") }
            if let entry = catalog.entry(for: argument) { return .success(.jump(.method(entry.method.name))) }
            if let known = app.live.portalMethods.value?.first(where: { $0.lowercased() == argument.lowercased() }) {
                return .success(.jump(.method(known)))
            }
            if !catalog.specs(for: argument).isEmpty { return .success(.jump(.method(argument))) }
            return fail("unknown method \"\(argument)\": not in the catalog nor in the portal's method list")
        case "chains":
            if argument.isEmpty {
                if case .pack(let name) = app.route, name != CatalogRows.otherPackName { return .success(.jump(.chains(name))) }
                return .success(.jump(.chains(nil)))
            }
            guard let pack = catalog.pack(named: argument) else { return fail("unknown pack \"\(argument)\"") }
            return .success(.jump(.chains(pack.name)))
        case "chain":
            guard !argument.isEmpty else { return needs("a chain id") }
            if argument.lowercased() == "stop" { return .success(.chain(.stop)) }
            guard let chain = catalog.chain(id: argument) else { return fail("unknown chain \"\(argument)\"") }
            return .success(.jump(.chain(chain.id)))
        case "run":
            guard !argument.isEmpty else { return needs("a chain id") }
            guard let chain = catalog.chain(id: argument) else { return fail("unknown chain \"\(argument)\"") }
            return .success(.chain(.start(chain.id)))
        case "search", "find":
            return .success(.search(argument))
        case "call":
            guard !argument.isEmpty else { return needs("a method name") }
            let pieces = argument.split(separator: " ", maxSplits: 1).map(String.init)
            // METHOD@v3 asks for REST 3.0.
            var method = pieces[0]
            var version: APIVersion?
            for candidate in APIVersion.allCases where method.lowercased().hasSuffix("@" + candidate.rawValue) {
                method = String(method.dropLast(candidate.rawValue.count + 1))
                version = candidate
            }
            guard pieces.count > 1 else { return .success(.open(.form(FormSeed(method: method, apiVersion: version)))) }
            let params: JSONValue
            do { params = try JSONParser.parse(pieces[1]) } catch {
                return fail("the parameters of :call are not valid JSON: \(error)")
            }
            guard case .object = params else { return fail("the parameters of :call must be a JSON object like {\"ID\": 1}, not \(params.kindName)") }
            // A read goes out at once; a write opens its form, whose review confirms it.
            if version != nil || Guardrails.risk(of: method, params: params, catalog: catalog).mayChangeData {
                return .success(.open(.form(FormSeed(method: method, params: params, apiVersion: version))))
            }
            return .success(.open(.call(method: method, params: params)))
        case "profile":
            guard !argument.isEmpty else { return needs("a profile name") }
            let known = app.profiles.map(\.name) + [ProfileEntry.sandboxName]
            guard known.contains(argument) else {
                return fail("unknown profile \"\(argument)\"; profiles: \(known.joined(separator: ", "))")
            }
            return .success(.profile(argument))
        case "theme":
            guard !argument.isEmpty else { return needs("a theme name") }
            return .success(.theme(argument))
        case "home":
            return .success(.open(.home))
        case "history":
            return .success(.jump(.history))
        case "plan":
            guard !argument.isEmpty else { return needs("a plan id") }
            return .success(.open(.plan(argument)))
        case "events":
            return .success(.jump(.events))
        case "help":
            return .success(.help)
        case "quit", "q", "exit":
            return .success(.quit)
        default:
            return fail("unknown command \"\(verb)\" — try: \(paletteUsage.joined(separator: ", "))")
        }
    }

    private static func example(_ verb: String) -> String {
        switch verb {
        case "pack": return "comms"
        case "method", "m": return "crm.lead.list"
        case "call": return "crm.lead.add, or crm.lead.list {\"select\": [\"ID\", \"TITLE\"]}"
        case "chain", "run": return "core.lead-intake"
        case "profile": return "sandbox"
        case "theme": return "light"
        default: return "NAME"
        }
    }
}

/// Runs a palette line. An error goes to the status line and the palette reopens with the text, so nothing
/// typed is lost.
func runLine(_ state: inout ConsoleState, _ line: String) -> [Effect] {
    let trimmed = line.trimmingCharacters(in: .whitespaces)
    guard !trimmed.isEmpty else { return [] }
    switch Command.parse(trimmed, state) {
    case .success(let command):
        return run(&state, command)
    case .failure(let failure):
        state.status = StatusMessage(failure.message, kind: .error)
        var palette = state.makePage(.palette)
        palette.screen = PaletteScreen(text: EditableText(trimmed))
        state.overlay = palette
        return []
    }
}

/// Runs a command.
func run(_ state: inout ConsoleState, _ command: Command) -> [Effect] {
    switch command {
    case .open(let route):
        if case .call = route, state.route == route {  // the same call again: send it again
            return onTopPage(&state) { screen, app in screen.refresh(app) }
        }
        return open(&state, route)
    case .jump(let route): return jump(&state, route)
    case .search(let text):
        let effects = open(&state, .search)
        if state.route == .search { state.page.screen = SearchScreen(query: text, state) }
        return effects
    case .back: return goBack(&state)
    case .help: return open(&state, .help)
    case .palette: return open(&state, .palette)
    case .profile(let name):
        // The old connection ends here: nothing is asked of it any more, and what it still answers is dropped.
        state.connection = nil
        state.connectionState = .loading
        state.status = StatusMessage("connecting to \(name)…")
        state.generation += 1
        return [.connect(profile: name, generation: state.generation)]
    case .theme(let name):
        state.themeFromFlag = true  // an explicit choice wins over the profile's theme
        return [.loadTheme(name)]
    case .refresh:
        guard state.connection != nil else {
            guard state.connectionState != .loading else { return [] }  // a connect is under way
            state.generation += 1
            return [.connect(profile: nil, generation: state.generation)]
        }
        state.status = .refreshing
        var effects = homeCalls(&state)
        effects += onTopPage(&state) { screen, app in screen.refresh(app) }
        return effects
    case .redraw: return []  // the runtime repaints everything on this key
    case .quit:
        state.quitting = true
        return [.quit]
    case .chain(let command): return runChain(&state, command)
    }
}

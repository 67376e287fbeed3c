import TerminalKit

/// Everything a key can be bound to. `config.toml` names these by their raw values; a name that is not here
/// is reported with its file and key, so a typo never becomes a silent no-op.
public enum KeyAction: String, CaseIterable, Sendable {
    case up, down, left, right, top, bottom
    case pageUp = "page-up", pageDown = "page-down"
    case select, back
    case nextTab = "next-tab", prevTab = "prev-tab"
    case search, help, refresh, redraw, quit
    case palette, home, packs
    case rawView = "raw-view"
    case copyValue = "copy-value", copyPath = "copy-path", copyCurl = "copy-curl"
    case copyCommand = "copy-command", copyCurlSecret = "copy-curl-secret"
    case nextPage = "next-page"
    case nextHit = "next-hit", previousHit = "previous-hit"
    case pathFilter = "filter-path"
    case fetchAll = "fetch-all"
    case cancel
    case callMethod = "call-method", editInForm = "edit-in-form"
    case send, editExternally = "edit-external"
    case addEntry = "add-entry", removeEntry = "remove-entry"
    case stepView = "step-view", diagnose
    case runChain = "run-chain", nextStep = "next-step", skipStep = "skip-step"
    case follow, pause, bindEvent = "bind-event", unbindEvent = "unbind-event"

    /// What the action does, in plain words, for the `?` help: TerminalKit's words for its navigation actions,
    /// the console's own for the rest.
    public var helpText: String {
        switch self {
        case .back: return "go back / close"
        case .left: return "move left / fold (collapse)"
        case .right: return "move right / unfold (expand)"
        case .refresh: return "refresh; in a call: send it again (replay)"
        case .palette: return "command palette (:packs, :pack NAME, :method NAME, :chains, :call METHOD {JSON}, :history, :profile NAME, :theme NAME, :quit)"
        case .home: return "go to Home"
        case .packs: return "go to the pack list"
        case .rawView: return "raw view: a response as JSON, or a form's parameters as JSON; again goes back"
        case .callMethod: return "call this method: open its form (on a method's page)"
        case .editInForm: return "edit this call in its form, then send it (replay edited, from history)"
        case .send: return "send the call from a form (checks every input first; a write asks to confirm)"
        case .editExternally: return "edit in $EDITOR: the form's parameters as JSON (then $VISUAL, then vi)"
        case .addEntry: return "add an entry in a form: a phone, an e-mail, a filter condition, a sort field, a line"
        case .removeEntry: return "remove the entry, condition or line under the cursor in a form (or clear the input)"
        case .copyValue: return "copy the selected value (to the clipboard, through the terminal; works in tmux)"
        case .copyPath: return "copy the selected value's path, e.g. result.0.TITLE"
        case .copyCurl: return "copy the call as a cURL command (secrets masked)"
        case .copyCommand: return "copy the call as a b24 call command line (secrets masked; run it in a shell)"
        case .copyCurlSecret: return "copy the call as a cURL command with the real secret (webhook code or token); asks first"
        case .search: return "search in the response (n/N: next/previous hit); history: filter, e.g. method:lead status:error; else packs, methods, chains"
        case .nextPage: return "next page of a list call (the same call from the portal's next start)"
        case .nextHit: return "next hit of a search in the response"
        case .previousHit: return "previous hit of a search in the response"
        case .pathFilter: return "filter by path: result.*.TITLE (* is any one key or index)"
        case .fetchAll: return "fetch all pages of a list call, with a progress bar"
        case .cancel: return "cancel: a running call or its wait (limiter, backoff, operating-time reset), or a running fetch (the rows so far stay)"
        case .stepView: return "step view of a call (the debugger): request, each attempt, waits counting down, token refresh, retry decisions, the error explained"
        case .runChain: return "run chain: its steps one by one, each form prefilled from the steps before (on a chain's page)"
        case .nextStep: return "next step of the chain run (after inspecting this one's answer)"
        case .skipStep: return "skip step: go to the next step of the chain run without sending this one"
        case .diagnose: return "diagnose a failed or empty call: read-only checks (method, scope, user, auth, limits, filter variants) and a verdict"
        case .follow: return "events: follow, keep the newest event in view"
        case .pause: return "events: pause, hold new events off the list (again: resume)"
        case .bindEvent: return "events: bind an event to this receiver (type EVENT, or EVENT offline for the queue)"
        case .unbindEvent: return "events: unbind an event from this receiver (or EVENT offline)"
        default: return Keymap.navigationDescriptions.first { $0.action == rawValue }?.description ?? rawValue
        }
    }

    /// The command a key runs when no screen used it (movement keys have none: they belong to lists).
    var command: Command? {
        switch self {
        case .up, .down, .right, .top, .bottom, .pageUp, .pageDown, .select, .nextTab, .prevTab, .rawView, .copyValue, .copyPath, .copyCurl,
             .copyCommand, .copyCurlSecret, .nextPage, .callMethod, .editInForm, .send, .editExternally, .addEntry, .removeEntry,
             .nextHit, .previousHit, .pathFilter, .fetchAll, .cancel, .stepView, .diagnose, .runChain, .follow, .pause,
             .bindEvent, .unbindEvent: return nil
        case .nextStep: return .chain(.next)
        case .skipStep: return .chain(.skip)
        case .left, .back: return .back
        case .search: return .open(.search)
        case .help: return .help
        case .palette: return .palette
        case .home: return .open(.home)
        case .packs: return .open(.packs)
        case .refresh: return .refresh
        case .redraw: return .redraw
        case .quit: return .quit
        }
    }
}

extension Keymap {
    /// The typed action bound to `key`.
    public func keyAction(for key: KeyEvent) -> KeyAction? { action(for: key).flatMap(KeyAction.init(rawValue:)) }

    /// The keys bound to a typed action.
    public func keys(for action: KeyAction) -> [KeyEvent] { keys(for: action.rawValue) }
}

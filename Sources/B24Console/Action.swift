import B24Client
import B24Wire
import TerminalKit

/// Why a call was made, so its result lands in the right place of the state.
public enum CallPurpose: Equatable, Sendable {
    case currentUser, scopes, serverTime, portalMethods
    /// `method.get` for this method.
    case availability(String)
}

/// Everything that can happen to the console: keys, terminal events, effect results, intents.
public enum Action: Sendable {
    case key(KeyEvent)
    case resize(Size)
    /// Periodic heartbeat (refreshes the limiter line).
    case tick
    /// The runtime is up: connect to the starting profile.
    case start
    /// The connection effect finished: the client exists, profiles are listed.
    case connected(ConnectionInfo, profiles: [ProfileEntry])
    case connectFailed(String, profiles: [ProfileEntry])
    case callFinished(CallPurpose, CallOutcome)
    /// The limiter line was read (or could not be).
    case limiterRead(Result<String, ConsoleFailure>)
    /// A theme was resolved (by `--theme`, a profile, or `:theme`).
    case themeLoaded(name: String, Theme)
    case themeFailed(String)
    /// Open a screen on top of the stack.
    case open(Route)
    /// Run a palette command line, e.g. "pack comms".
    case command(String)
    case quit
}

/// An error message carried through `Result` in actions.
public struct ConsoleFailure: Error, Equatable, Sendable {
    public var message: String
    public init(_ message: String) { self.message = message }
}

/// Work the runtime does for the reducer. Data only: tests compare it, the runtime executes it.
public enum Effect: Sendable {
    /// Call the portal through B24Client; the outcome comes back as `.callFinished`.
    case call(CallPurpose, CallRequest)
    /// Connect to a saved profile (nil: the starting profile; "sandbox": the embedded sandbox).
    case connect(profile: String?)
    /// Resolve a theme through ThemeStore; answers `.themeLoaded` / `.themeFailed`.
    case loadTheme(String)
    /// Read the shared limiter level; answers `.limiterRead`.
    case readLimiter
    /// Feed `action` back after a delay.
    case schedule(after: Double, Action)
    case quit

    /// A short text for tests and logs, e.g. "call user.current", "connect sandbox".
    public var summary: String {
        switch self {
        case .call(_, let request): return "call \(request.method)"
        case .connect(let profile): return "connect \(profile ?? "default")"
        case .loadTheme(let name): return "theme \(name)"
        case .readLimiter: return "limiter"
        case .schedule(let after, _): return "schedule \(after)"
        case .quit: return "quit"
        }
    }
}

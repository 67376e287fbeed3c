import Foundation
import B24Catalog
import Foundation
import B24Client
import B24Wire
import TerminalKit

/// Home's facts and a method's availability: the calls the root state owns (not any one page).
public enum CallPurpose: Hashable, Sendable {
    case currentUser, scopes, serverTime, portalMethods
    /// `method.get` for this method.
    case availability(String)
}

/// Who an effect answers to and for which connection. The runtime keeps it with the running work (so it can be
/// cancelled) and hands it back with every answer; ``reduce(_:_:)`` drops answers whose page was closed or whose
/// connection was replaced, in one place.
public struct EffectID: Hashable, Sendable, CustomStringConvertible {
    public enum Owner: Hashable, Sendable {
        /// Facts the root keeps (Home, availability).
        case root(CallPurpose)
        /// A page of the stack (or the overlay), by its ``Page/id``.
        case page(Int)
        /// Set by a screen for its own work; the root fills in the page and the generation.
        case unassigned
    }

    public var owner: Owner
    /// The connection generation the effect was started for.
    public var generation: Int
    /// What the answer is for, as the owning screen names it.
    public var name: String

    public init(owner: Owner, generation: Int, name: String) {
        self.owner = owner
        self.generation = generation
        self.name = name
    }

    /// An id a screen gives its own effect: "mine, called `name`".
    public static func mine(_ name: String) -> EffectID { EffectID(owner: .unassigned, generation: 0, name: name) }

    public var description: String { "\(owner)#\(generation) \(name)" }
}

/// What comes back for an effect that answers.
public enum Answer: Sendable {
    /// A call finished.
    case call(CallOutcome)
    /// One message of a stream; more may follow.
    case streamed(StreamMessage)
    /// Stored data was read (see ``LoadSpec``).
    case loaded(Loaded)
    /// A stream ended (nil) or failed (its error, already masked).
    case ended(String?)
    /// The text as it was saved in the external editor.
    case edited(String)
}

/// Stored data a screen can ask for.
public enum LoadSpec: Sendable {
    /// The newest calls of every profile and process, newest first.
    case history(limit: Int)
    /// One stored call, by id.
    case trace(String)
    /// Stored events of a profile older than row `before` (nil: the newest), newest first.
    case events(profile: String, before: Int64?, limit: Int)
}

/// What a ``LoadSpec`` brought.
public enum Loaded: Sendable {
    case history([HistoryEntry])
    case trace(CallTrace)
    case events([ReceivedEvent])
}

/// A call to copy as a cURL command with its real secret (``Effect/copyWithSecret(_:_:)``): the masked request
/// as recorded, and what the client needs to put the secret back.
public struct SecretCopy: Sendable, Equatable {
    /// The profile the call was made on: only that profile's client reveals its secret.
    public var profile: String
    public var method: String
    public var apiVersion: APIVersion
    /// The request as recorded, secrets masked.
    public var request: CallTrace.RequestRecord

    public init(profile: String, method: String, apiVersion: APIVersion, request: CallTrace.RequestRecord) {
        self.profile = profile
        self.method = method
        self.apiVersion = apiVersion
        self.request = request
    }
}

/// Long-running work that delivers many messages until it ends or is cancelled.
public enum StreamSpec: Sendable {
    /// A call watched as it runs: its events, then its outcome.
    case observedCall(CallRequest)
    /// Every page of a list call from the request's `start` on (B24Client's paging): each page as it arrives
    /// (`.page`), then `.pagingFinished`. Cancelling it keeps what arrived.
    case allPages(CallRequest)
    /// A text search through a big response, off the key loop: answers `.searchFound` once.
    case searchResponse(JSONValue, query: String)
    /// The time, every `every` seconds until cancelled (a step view counting a wait down).
    case clock(every: Double)
    /// A read-only diagnosis of a call (B24Client's `diagnose`): each finding as it is made, then the report.
    case diagnosis(DiagnosisSubject)
    /// Read what a write would change and make its diff (`B24Client.review`): answers `.reviewed` once.
    case review(CallRequest)
    /// Apply a reviewed write: re-read, write unless a written field moved, read back. Answers `.applied` once.
    case applyReview(ReviewedWrite, confirmWrite: Bool, confirmDestructive: Bool, idempotencyKey: String)
    /// Review the write that undoes an applied one: answers `.reviewed` once.
    case reviewRevert(ReviewedWrite, AppliedWrite)
    /// Store a reviewed write as a plan with the old values it was reviewed against: answers `.planSaved` once.
    case saveReviewedPlan(ReviewedWrite)
    /// Review a stored plan (refused as stale when its fields moved): answers `.reviewed`, or `.applied` with the
    /// three-way view of a stale plan.
    case reviewPlan(String)
    /// Run a reviewed plan once and read its targets back: answers `.applied` once.
    case applyPlan(String, ReviewedWrite, confirmWrite: Bool, confirmDestructive: Bool)
    /// B24Client's event tail (receiver + offline watch): each item as `.tail`, and a `.tailTick` every second.
    case eventTail(EventTail.Options)
}

/// One message of a stream.
public enum StreamMessage: Sendable {
    /// A step of an observed call, stamped with when it arrived (the step view places it in time).
    case callEvent(CallEvent, at: Date)
    /// A beat of a `.clock` stream.
    case clock(Date)
    /// A finding of a `.diagnosis` stream, as it is made.
    case finding(DiagnosisFinding)
    /// The diagnosis is done.
    case diagnosed(DiagnosisReport)
    /// A page of an `.allPages` walk: its items and the counts so far.
    case page(PageProgress)
    /// The walk is over: why it stopped early (a failed page, already in words), and what the client noted.
    case pagingFinished(error: String?, warnings: [String])
    /// The hits of a `.searchResponse`, for the text searched.
    case searchFound(query: String, JSONSearch.Found)
    /// The diff of a `.review` or `.reviewRevert` (or why there is none, in words).
    case reviewed(Result<ReviewedWrite, ConsoleFailure>)
    /// What became of an `.applyReview`.
    case applied(AppliedWrite)
    /// The id of the plan a `.saveReviewedPlan` stored, or why it could not.
    case planSaved(Result<String, ConsoleFailure>)
    /// An event tail's item.
    case tail(TailItem)
    /// The clock, once a second, while an event tail runs.
    case tailTick(Date)
    /// How many events the offline worker's dead-letter queue holds (read every few seconds during a tail).
    case deadLetters(Int)
}

/// Everything that can happen to the console: keys, terminal events, effect answers, intents.
public enum Action: Sendable {
    case key(KeyEvent)
    case resize(Size)
    /// Periodic heartbeat (refreshes the limiter line).
    case tick
    /// The runtime is up: connect to the starting profile.
    case start
    /// The connection of `generation` is up: the client exists, profiles are listed.
    case connected(ConnectionInfo, profiles: [ProfileEntry], generation: Int)
    case connectFailed(String, profiles: [ProfileEntry], generation: Int)
    /// An answer to an effect with an id.
    case answered(EffectID, Answer)
    /// The limiter line of connection `generation` was read (or could not be).
    case limiterRead(Result<String, ConsoleFailure>, generation: Int)
    /// A theme was resolved (by `--theme`, a profile, or `:theme`).
    case themeLoaded(name: String, Theme)
    case themeFailed(String)
    /// Open a screen (on top of the stack, or as the overlay).
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

/// Work for the runtime, and intents for the root state. Data only: tests compare it, the runtime executes it.
public enum Effect: Sendable {
    /// Call the portal through B24Client; answers `.answered(id, .call(outcome))`.
    case call(EffectID, CallRequest)
    /// Start a stream; answers `.answered(id, .streamed(…))` as often as it has something, then `.ended` (a
    /// stream that finishes with a value, such as an observed call's outcome, sends it before `.ended`).
    case stream(EffectID, StreamSpec)
    /// Read stored data (history); answers `.answered(id, .loaded(…))`, or `.ended(error)`.
    case load(EffectID, LoadSpec)
    /// Stop the work of an id at once (a call is recorded as cancelled); nothing more arrives for it: the runner
    /// posts an answer only while the work is still registered, under the same lock that cancels it.
    case cancel(EffectID)
    /// Stop every piece of work a page started (it was closed).
    case cancelPage(Int)
    /// Connect to a saved profile (nil: the starting profile; "sandbox": the embedded sandbox) as connection
    /// `generation`; work of older generations is cancelled.
    case connect(profile: String?, generation: Int)
    /// Resolve a theme through ThemeStore; answers `.themeLoaded` / `.themeFailed`.
    case loadTheme(String)
    /// Read the shared limiter level of connection `generation`; answers `.limiterRead`.
    case readLimiter(generation: Int)
    /// Put text on the terminal's clipboard (OSC 52).
    case copy(String)
    /// Hand the terminal to `$EDITOR` (then `$VISUAL`, then `vi`) on a temporary file holding `text`, named after
    /// `name`; answers `.edited(text)` when it exits 0, else `.ended(why)`. The screen is repainted afterwards.
    case openEditor(EffectID, text: String, name: String)
    /// Put the call's cURL command with the real secret on the clipboard. The runtime asks the connection's
    /// client for the unmasked request, so the secret never enters the state, the screen or a log; answers
    /// `.ended(nil)` once copied, or `.ended(why not)`.
    case copyWithSecret(EffectID, SecretCopy)
    /// Feed `action` back after a delay.
    case schedule(after: Double, Action)
    case quit

    // Intents: a screen asks the root for something; the root does it and they never reach the runtime.
    /// Run a command (open a screen, go back, switch profile…).
    case run(Command)
    /// Parse and run a palette line.
    case runLine(String)
    /// Close the overlay (help, palette).
    case closeOverlay
    /// Say something on the status line (nil clears it).
    case status(StatusMessage?)
    /// Ask for a portal fact the root keeps (e.g. a method's availability); `force` asks again even when known.
    case fetch(CallPurpose, force: Bool)

    /// A short text for tests and logs, e.g. "call user.current", "connect sandbox".
    public var summary: String {
        switch self {
        case .call(_, let request): return "call \(request.method)"
        case .stream(let id, _): return "stream \(id.name)"
        case .load(let id, _): return "load \(id.name)"
        case .cancel(let id): return "cancel \(id.name)"
        case .cancelPage(let page): return "cancel page \(page)"
        case .connect(let profile, _): return "connect \(profile ?? "default")"
        case .loadTheme(let name): return "theme \(name)"
        case .readLimiter: return "limiter"
        case .schedule(let after, _): return "schedule \(after)"
        case .copy(let text): return "copy \(text.count) characters"
        case .openEditor(let id, _, _): return "editor \(id.name)"
        case .copyWithSecret(_, let copy): return "copy \(copy.method) with its secret"
        case .quit: return "quit"
        case .run(let command): return "run \(command)"
        case .runLine(let line): return "run :\(line)"
        case .closeOverlay: return "close overlay"
        case .status(let message): return "status \(message?.text ?? "cleared")"
        case .fetch(let purpose, _): return "fetch \(purpose)"
        }
    }
    }

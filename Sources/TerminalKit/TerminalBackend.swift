import Foundation

/// A terminal that shows screens and delivers keys. `NcursesBackend` is the real one,
/// `VirtualTerminal` the in-memory one for tests. All calls come from one thread.
public protocol TerminalBackend: AnyObject {
    /// Current size in cells (updated after a `.resize` key event).
    var size: Size { get }
    /// Colours the terminal can show (themes are downgraded to this).
    var colorDepth: ColorDepth { get }
    /// Paints the runs of `diff`; when `diff.isFullRedraw`, clears first.
    func draw(_ diff: ScreenDiff)
    /// Waits up to `timeout` seconds (nil = forever, 0 = poll) for a key or a resize.
    func readKey(timeout: Double?) -> KeyEvent?
    /// Shows the text cursor at a cell (e.g. in a form field) or hides it.
    func setCursor(visible: Bool, at point: Point?)
    /// Gives the terminal back (e.g. before running `$EDITOR`); `restore` takes it again.
    func suspend()
    /// Retakes the terminal after `suspend`; the next draw must be a full redraw.
    func restore()
    /// Puts `text` on the system clipboard of the terminal (OSC 52: works over ssh and, with `set-clipboard on`,
    /// inside tmux, which keeps it as a paste buffer).
    func copyToClipboard(_ text: String)
    /// Gives the terminal back for good (idempotent). Called on the terminal thread before
    /// `TerminalThread.stop()` returns, so nothing tears the terminal down while the process exits.
    func shutdown()
}

extension TerminalBackend {
    /// Nothing to give back (in-memory terminals).
    public func shutdown() {}
}

/// The OSC 52 escape sequence that asks a terminal to set its clipboard.
public enum Clipboard {
    public static func osc52(_ text: String) -> String {
        "\u{1B}]52;c;" + Data(text.utf8).base64EncodedString() + "\u{07}"
    }
}

/// Keeps the last screen shown on a backend and sends only the difference on each `present`.
/// The runtime calls `present(render(state, backend.size))` once per batch of actions.
public final class ScreenPresenter {
    public let backend: TerminalBackend
    public private(set) var lastScreen: Screen?

    public init(backend: TerminalBackend) { self.backend = backend }

    /// Draws `screen`: a full redraw the first time, after `invalidate()` and on size change.
    /// Returns the diff that was sent (empty when nothing changed).
    @discardableResult
    public func present(_ screen: Screen, cursor: Point? = nil) -> ScreenDiff {
        let diff = ScreenDiff.between(lastScreen, screen)
        if !diff.isEmpty { backend.draw(diff) }
        backend.setCursor(visible: cursor != nil, at: cursor)
        lastScreen = screen
        return diff
    }

    /// Forgets the last screen so the next `present` repaints everything (after resize or resume).
    public func invalidate() { lastScreen = nil }
}

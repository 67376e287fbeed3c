/// An in-memory `TerminalBackend` for tests: applies diffs to its own `screen`, records every draw,
/// and serves keys fed to it in order.
public final class VirtualTerminal: TerminalBackend {
    public private(set) var size: Size
    public var colorDepth: ColorDepth
    /// What the terminal shows now.
    public private(set) var screen: Screen
    /// Every diff drawn, oldest first.
    public private(set) var draws: [ScreenDiff] = []
    public private(set) var cursorVisible = false
    public private(set) var cursorPosition: Point?
    public private(set) var isSuspended = false
    private var pendingKeys: [KeyEvent] = []

    public init(size: Size, colorDepth: ColorDepth = .indexed256) {
        self.size = size
        self.colorDepth = colorDepth
        self.screen = Screen(size: size)
    }

    public func draw(_ diff: ScreenDiff) {
        draws.append(diff)
        if diff.isFullRedraw || diff.size != screen.size { screen = Screen(size: diff.size) }
        for run in diff.runs {
            var column = run.column
            for cell in run.cells {
                screen.setCellForBackend(cell, column: column, row: run.row)
                column += 1
            }
        }
    }

    public func readKey(timeout: Double?) -> KeyEvent? {
        pendingKeys.isEmpty ? nil : pendingKeys.removeFirst()
    }

    public func setCursor(visible: Bool, at point: Point?) {
        cursorVisible = visible
        cursorPosition = visible ? point : nil
    }

    /// Everything copied, oldest first.
    public private(set) var clipboard: [String] = []

    public func copyToClipboard(_ text: String) { clipboard.append(text) }

    public func suspend() { isSuspended = true }
    public func restore() { isSuspended = false }

    /// Queues keys for `readKey`.
    public func feed(_ keys: KeyEvent...) { pendingKeys.append(contentsOf: keys) }
    public func feed(keys: [KeyEvent]) { pendingKeys.append(contentsOf: keys) }
    /// Queues one `.char` key per character of `text`.
    public func type(_ text: String) { pendingKeys.append(contentsOf: text.map { KeyEvent.char($0) }) }
    /// Keys fed but not read yet.
    public var queuedKeyCount: Int { pendingKeys.count }

    /// Changes the size and queues a `.resize` key, like a real terminal window.
    public func resize(to newSize: Size) {
        size = newSize
        pendingKeys.append(.resize)
    }

    /// Forgets recorded draws (the screen stays).
    public func clearDraws() { draws.removeAll() }
}

extension Screen {
    /// Raw cell store for backends replaying a diff (no wide-character repair: the diff is consistent).
    mutating func setCellForBackend(_ cell: Cell, column: Int, row: Int) {
        guard column >= 0, row >= 0, column < width, row < height else { return }
        setRaw(cell, index: row * width + column)
    }
}

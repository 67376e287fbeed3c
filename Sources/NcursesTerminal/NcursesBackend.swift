import CNcursesw
import Foundation
import TerminalKit

/// The real terminal, through ncursesw. Create one per process, use it from one thread only (ncurses
/// is not thread-safe): read keys on that thread and post them to the async loop.
///
/// Startup: `setlocale(LC_ALL, "")`, checks `TERM` and the tty (typed `NcursesError` instead of
/// ncurses' own exit), `newterm`, raw/noecho/nonl/keypad, `ESCDELAY` 25 ms unless set, colours with
/// the terminal's default background (-1), cursor hidden. Call `shutdown()` (or let it deinit) to
/// give the terminal back; `installSignalHandlers()` restores it on SIGTERM/SIGHUP and crashes too.
public final class NcursesBackend: TerminalBackend {
    public private(set) var colorDepth: ColorDepth
    /// False when no UTF-8 locale could be set: ncursesw then drops every non-ASCII character.
    public let localeIsUTF8: Bool
    /// `COLORS` and `COLOR_PAIRS` as ncurses reported them at start.
    public let colorCount: Int
    public let colorPairCount: Int
    private var pairs: ColorPairs
    private var screenPointer: OpaquePointer?
    private var cursorVisible = false
    private var cursorPoint: Point?
    private var pendingKeys: [KeyEvent] = []
    private var isShutDown = false
    private var wideBuffer = [wchar_t](repeating: 0, count: 8)

    /// Takes the terminal.
    /// - Parameters:
    ///   - environment: where `TERM`, `ESCDELAY` and `NO_COLOR` are read from.
    ///   - maximumDepth: caps colour depth (e.g. `.mono` for NO_COLOR; the theme should be mono too).
    /// - Throws: `NcursesError` when there is no usable terminal.
    public init(environment: [String: String] = ProcessInfo.processInfo.environment,
                maximumDepth: ColorDepth = .trueColor) throws {
        // setlocale and terminfo loading write process globals (cur_term, the database reader's
        // buffers): two start-ups at once crashed inside libtinfo when tests ran in parallel.
        NcursesBackend.startupLock.lock()
        defer { NcursesBackend.startupLock.unlock() }
        localeIsUTF8 = NcursesBackend.setUTF8Locale()
        guard let term = environment["TERM"], !term.isEmpty else { throw NcursesError.termNotSet }
        // setupterm with an error out-parameter reports an unknown TERM instead of exiting.
        var status: Int32 = 0
        if setupterm(term, STDOUT_FILENO, &status) != OK || status != 1 {
            throw NcursesError.unknownTerminal(term)
        }
        // A known TERM without cursor addressing (dumb, a printer) would start a console that draws garbage.
        guard NcursesBackend.hasCursorAddressing() else { throw NcursesError.terminalCannotAddressCursor(term) }
        guard isatty(STDIN_FILENO) == 1, isatty(STDOUT_FILENO) == 1 else { throw NcursesError.notATerminal }
        if environment["ESCDELAY"] == nil { set_escdelay(25) }
        guard let screen = newterm(term, stdout, stdin) else { throw NcursesError.unknownTerminal(term) }
        screenPointer = screen
        set_term(screen)
        raw()
        noecho()
        nonl()
        keypad(b24_stdscr(), true)
        intrflush(b24_stdscr(), false)
        curs_set(0)
        var depth = ColorDepth.mono
        if has_colors() {
            start_color()
            use_default_colors()
            depth = ColorDepth(colorCount: Int(b24_colors()))
        }
        colorCount = Int(b24_colors())
        colorPairCount = Int(b24_color_pairs())
        colorDepth = min(depth, maximumDepth)
        pairs = ColorPairs(depth: colorDepth, maxPairs: Int32(clamping: colorPairCount))
        NcursesBackend.active = true
    }

    deinit { shutdown() }

    /// True when the terminfo entry loaded by `setupterm` has `cup` (absent: NULL; not a string: -1).
    private static func hasCursorAddressing() -> Bool {
        guard let cup = tigetstr("cup") else { return false }
        return Int(bitPattern: cup) != -1 && cup.pointee != 0
    }

    public var size: Size {
        let win = b24_stdscr()
        return Size(width: Int(b24_getmaxx(win)), height: Int(b24_getmaxy(win)))
    }

    public func draw(_ diff: ScreenDiff) {
        if diff.isFullRedraw { wclear(b24_stdscr()) }
        let limit = size
        for run in diff.runs where run.row < limit.height {
            var column = run.column
            for cell in run.cells {
                defer { column += 1 }
                if cell.isContinuation || column >= limit.width { continue }
                put(cell, row: Int32(run.row), column: Int32(column))
            }
        }
        placeCursor()
        wrefresh(b24_stdscr())
    }

    private func put(_ cell: Cell, row: Int32, column: Int32) {
        // A grapheme is one spacing code point plus up to four combining ones (CCHARW_MAX = 5).
        var n = 0
        for scalar in cell.character.unicodeScalars where n < 5 {
            wideBuffer[n] = wchar_t(bitPattern: scalar.value)
            n += 1
        }
        wideBuffer[n] = 0
        let pair = pairs.pair(for: cell.style)
        let attrs = ColorPairs.attributes(cell.style)
        wideBuffer.withUnsafeBufferPointer { buf in
            // ERR in the bottom-right cell is expected (the cursor cannot advance); the cell is drawn.
            _ = b24_put_cell(row, column, buf.baseAddress, attrs, pair)
        }
    }

    private func placeCursor() {
        if cursorVisible, let p = cursorPoint {
            wmove(b24_stdscr(), Int32(p.row), Int32(p.column))
        }
    }

    public func setCursor(visible: Bool, at point: Point?) {
        let changed = visible != cursorVisible || point != cursorPoint
        cursorVisible = visible && point != nil
        cursorPoint = point
        guard changed else { return }
        curs_set(cursorVisible ? 1 : 0)
        placeCursor()
        wrefresh(b24_stdscr())
    }

    public func readKey(timeout: Double?) -> KeyEvent? {
        if !pendingKeys.isEmpty { return pendingKeys.removeFirst() }
        let win = b24_stdscr()
        wtimeout(win, timeout.map { Int32(clamping: Int(max(0, $0) * 1000)) } ?? -1)
        while true {
            var value: wint_t = 0
            let result = wget_wch(win, &value)
            if result == ERR { return nil }
            if result == b24_key_code_yes() {
                if let key = NcursesKeys.decode(code: Int32(bitPattern: value)) { return key }
                continue  // a key we do not know: read on
            }
            if value == 27 { return readAfterEscape() }
            if let key = NcursesKeys.decode(character: value) { return key }
        }
    }

    /// Esc followed at once by another key is Alt+key (terminals send ESC prefix for Meta).
    private func readAfterEscape() -> KeyEvent {
        let win = b24_stdscr()
        wtimeout(win, 0)
        var value: wint_t = 0
        let result = wget_wch(win, &value)
        if result == ERR { return .escape }
        if result == b24_key_code_yes() {
            if let key = NcursesKeys.decode(code: Int32(bitPattern: value)) {
                if key == .resize { pendingKeys.append(key); return .escape }
                var k = key
                k.modifiers.insert(.alt)
                return k
            }
            return .escape
        }
        if value == 27 { return .escape }
        guard var key = NcursesKeys.decode(character: value) else { return .escape }
        key.modifiers.insert(.alt)
        return key
    }

    public func copyToClipboard(_ text: String) {
        // After ncurses' own output (it writes through stdout too), so the sequence is not cut into a frame.
        fputs(Clipboard.osc52(text), stdout)
        fflush(stdout)
    }

    public func suspend() {
        def_prog_mode()
        endwin()
    }

    public func restore() {
        reset_prog_mode()
        // Repaint everything from ncurses' copy: whatever ran meanwhile drew over the screen.
        clearok(b24_stdscr(), true)
        wrefresh(b24_stdscr())
    }

    /// Gives the terminal back (idempotent). Called by deinit.
    public func shutdown() {
        guard !isShutDown else { return }
        isShutDown = true
        NcursesBackend.startupLock.lock()
        defer { NcursesBackend.startupLock.unlock() }
        if isendwin() == false { endwin() }
        if let s = screenPointer { delscreen(s) }
        screenPointer = nil
        NcursesBackend.active = false
    }

    /// `setlocale(LC_ALL, "")`; when that yields a non-UTF-8 codeset (LANG=C, measured: ncursesw then
    /// shows no Cyrillic, CJK or box drawing at all), switch LC_CTYPE to C.UTF-8: terminals are UTF-8.
    static func setUTF8Locale() -> Bool {
        setlocale(LC_ALL, "")
        func isUTF8() -> Bool {
            guard let cs = nl_langinfo(nl_item(CODESET)) else { return false }
            let name = String(cString: cs).uppercased()
            return name == "UTF-8" || name == "UTF8"
        }
        if isUTF8() { return true }
        for candidate in ["C.UTF-8", "C.utf8", "en_US.UTF-8"] where setlocale(LC_CTYPE, candidate) != nil {
            if isUTF8() { return true }
        }
        return false
    }

    /// True while a backend holds the terminal (signal handlers check it).
    nonisolated(unsafe) static var active = false
    /// Serializes start-ups and shut-downs: ncurses' terminal set-up and tear-down are not reentrant.
    private static let startupLock = NSLock()
}

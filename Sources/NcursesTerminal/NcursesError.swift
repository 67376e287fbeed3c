/// Why the console could not take the terminal. Messages say what to do.
public enum NcursesError: Error, Equatable, CustomStringConvertible {
    /// `TERM` is unset or empty.
    case termNotSet
    /// terminfo has no entry for `TERM` (ncurses itself would exit with "Error opening terminal").
    case unknownTerminal(String)
    /// terminfo knows `TERM` but it cannot move the cursor (no `cup`), e.g. `TERM=dumb`.
    case terminalCannotAddressCursor(String)
    /// stdin or stdout is not a terminal (piped, redirected, or run from a script).
    case notATerminal
    /// ncurses refused for another reason.
    case initializationFailed(String)

    public var description: String {
        switch self {
        case .termNotSet:
            return "TERM is not set; run b24 inside a terminal or set TERM=xterm-256color"
        case .unknownTerminal(let term):
            return "TERM=\(term) is not a terminal type known here (no terminfo entry); set TERM=xterm-256color, "
                + "or install more terminal types (Debian: ncurses-term)"
        case .terminalCannotAddressCursor(let term):
            return "TERM=\(term) cannot move the cursor (no cup in its terminfo entry), so the console cannot draw; "
                + "set TERM=xterm-256color, or use the command-line commands (e.g. `b24 call …`)"
        case .notATerminal:
            return "the console needs a terminal, but stdin/stdout are not one; run it in a terminal, "
                + "or use the command-line commands (e.g. `b24 call …`) in scripts"
        case .initializationFailed(let why):
            return "cannot start the terminal UI: \(why)"
        }
    }
}

import TOMLKit

/// Semantic roles a view asks the theme for; the raw value is the key in a theme file's `[palette]`.
public enum ThemeRole: String, CaseIterable, Sendable, Hashable {
    case text, muted, primary, accent, surface, border, title, header, selection, input
    case statusBar = "status-bar"
    case success, warning, error, info
    case riskRead = "risk-read", riskWrite = "risk-write", riskDestructive = "risk-destructive", riskMixed = "risk-mixed"
    case http2xx = "http-2xx", http3xx = "http-3xx", http4xx = "http-4xx", http5xx = "http-5xx"
    /// Full-width warning line, e.g. "PRODUCTION".
    case banner
}

/// A semantic palette: every `ThemeRole` resolved to a concrete `Style`.
///
/// Theme file (TOML):
/// ```toml
/// name = "mine"
/// description = "My colours"
/// inherits = "default"        # optional: roles not listed come from this theme
/// [palette]
/// error = "bright-red"        # foreground only
/// selection = { fg = "black", bg = "#5fafff", bold = true }
/// ```
public struct Theme: Sendable, Equatable {
    public var name: String
    public var description: String
    public var styles: [ThemeRole: Style]

    public init(name: String, description: String = "", styles: [ThemeRole: Style]) {
        self.name = name
        self.description = description
        self.styles = styles
    }

    /// The style for a role (`.plain` if somehow unset).
    public subscript(role: ThemeRole) -> Style {
        get { styles[role] ?? .plain }
        set { styles[role] = newValue }
    }

    /// Every role plain: useful in tests that only look at text.
    public static let plain = Theme(name: "plain", styles: Dictionary(uniqueKeysWithValues: ThemeRole.allCases.map { ($0, Style.plain) }))

    /// The built-in dark theme (never fails: the bundled file is tested).
    public static let `default`: Theme = {
        // The bundled file is checked by tests; falling back keeps this non-throwing.
        (try? ThemeStore(userDirectory: nil).load("default")) ?? .plain
    }()

    /// The style for an HTTP status code (2xx…5xx); `text` for anything else.
    public func httpStatus(_ status: Int) -> Style {
        switch status {
        case 200 ..< 300: return self[.http2xx]
        case 300 ..< 400: return self[.http3xx]
        case 400 ..< 500: return self[.http4xx]
        case 500 ..< 600: return self[.http5xx]
        default: return self[.text]
        }
    }

    /// All colours downgraded to what a terminal of `depth` shows.
    public func downgraded(to depth: ColorDepth) -> Theme {
        var t = self
        for (role, style) in styles { t.styles[role] = style.downgraded(to: depth) }
        return t
    }

    /// Parses a theme file over `base` (roles the file leaves out keep the base's styles).
    /// Unknown top-level keys, roles, colours or attributes are errors naming `file` and the key.
    public static func parse(toml: String, file: String, base: Theme?) throws -> Theme {
        let table = try parseTOML(toml, file: file)
        var theme = base ?? .plain
        for key in table.keys {
            switch key {
            case "name", "description", "inherits":
                guard let s = table[key]?.string else {
                    throw ConfigFileError(file: file, key: key, problem: .wrongType(expected: "a string"))
                }
                if key == "name" { theme.name = s }
                if key == "description" { theme.description = s }
            case "palette": break
            default: throw ConfigFileError(file: file, key: key, problem: .unknownKey)
            }
        }
        if table["name"] == nil { theme.name = base?.name ?? "" }
        if let palette = try subtable(table, path: "palette", file: file) {
            for key in palette.keys {
                let dotted = "palette.\(key)"
                guard let role = ThemeRole(rawValue: key) else {
                    throw ConfigFileError(file: file, key: dotted, problem: .unknownKey)
                }
                theme.styles[role] = try parseStyle(palette[key], key: dotted, file: file)
            }
        }
        return theme
    }

    static func parseColour(_ value: TOMLValueConvertible?, key: String, file: String) throws -> Color {
        if let s = value?.string {
            guard let c = Color(parsing: s) else { throw ConfigFileError(file: file, key: key, problem: .unknownColour(s)) }
            return c
        }
        if let n = value?.int {
            guard (0...255).contains(n), let c = Color(parsing: String(n)) else {
                throw ConfigFileError(file: file, key: key, problem: .unknownColour(String(n)))
            }
            return c
        }
        throw ConfigFileError(file: file, key: key, problem: .wrongType(expected: "a colour string"))
    }

    static func parseStyle(_ value: TOMLValueConvertible?, key: String, file: String) throws -> Style {
        if value?.string != nil || value?.int != nil {
            return Style(fg: try parseColour(value, key: key, file: file))
        }
        guard let table = value?.table else {
            throw ConfigFileError(file: file, key: key, problem: .wrongType(expected: "a colour or a table { fg, bg, bold, … }"))
        }
        var style = Style()
        for field in table.keys {
            let dotted = "\(key).\(field)"
            switch field {
            case "fg": style.foreground = try parseColour(table[field], key: dotted, file: file)
            case "bg": style.background = try parseColour(table[field], key: dotted, file: file)
            default:
                guard let attribute = TextAttributes.named.first(where: { $0.0 == field })?.1 else {
                    throw ConfigFileError(file: file, key: dotted, problem: .unknownAttribute(field))
                }
                guard let on = table[field]?.bool else {
                    throw ConfigFileError(file: file, key: dotted, problem: .wrongType(expected: "true or false"))
                }
                if on { style.attributes.insert(attribute) } else { style.attributes.remove(attribute) }
            }
        }
        return style
    }
}

/// A centred dialog: bordered box, title in the top edge, wrapped body text, optional footer line
/// (e.g. "enter confirm · esc cancel"). `render` clears the area first and returns the body rect.
public struct Modal {
    public var title: String
    public var body: [String]
    public var footer: String?
    /// Preferred outer size; shrunk to fit the screen (minus a one-cell margin).
    public var size: Size
    public var role: ThemeRole

    public init(title: String, body: [String], footer: String? = nil, size: Size = Size(width: 60, height: 12), role: ThemeRole = .border) {
        self.title = title
        self.body = body
        self.footer = footer
        self.size = size
        self.role = role
    }

    /// The outer rect of the modal inside `area`.
    public func frame(in area: Rect) -> Rect {
        let limit = area.width > 4 && area.height > 4 ? area.inset(by: 1) : area
        return limit.centered(size)
    }

    @discardableResult
    public func render(into screen: inout Screen, area: Rect, theme: Theme) -> Rect {
        let outer = frame(in: area)
        guard !outer.isEmpty else { return outer }
        screen.fill(outer, style: theme[.text])
        let inner = screen.box(outer, style: theme[role], title: title, titleStyle: theme[.title])
        guard !inner.isEmpty else { return inner }
        var content = inner.inset(left: 1, right: 1)
        if let footer, content.height > 1 {
            let (rest, bottom) = content.splitBottom(1)
            screen.put(footer, in: bottom, style: theme[.muted], alignment: .center)
            content = rest
        }
        var y = content.row
        for line in body.flatMap({ wrap($0, width: content.width) }) {
            guard y < content.maxRow else { break }
            screen.put(line, at: Point(column: content.column, row: y), style: theme[.text], clip: content)
            y += 1
        }
        return content
    }
}

/// A one-row bar: left segments from the left edge, right segments flush right. The right side is
/// kept whole when possible; the left side is cut first.
public struct StatusBar {
    public var left: [TextSpan]
    public var right: [TextSpan]

    public init(left: [TextSpan], right: [TextSpan] = []) {
        self.left = left
        self.right = right
    }

    /// Plain segments in the theme's status-bar style, separated by two spaces.
    public init(left: [String], right: [String] = [], theme: Theme) {
        let s = theme[.statusBar]
        self.init(left: [TextSpan(left.joined(separator: "  "), style: s)],
                  right: [TextSpan(right.joined(separator: "  "), style: s)])
    }

    public func render(into screen: inout Screen, rect: Rect, theme: Theme) {
        guard !rect.isEmpty else { return }
        let row = Rect(column: rect.column, row: rect.row, width: rect.width, height: 1)
        screen.fill(row, style: theme[.statusBar])
        let rightWidth = min(right.reduce(0) { $0 + displayWidth($1.text) }, max(0, row.width - 2))
        let rightStart = row.maxColumn - rightWidth - 1
        let leftClip = Rect(column: row.column + 1, row: row.row, width: max(0, rightStart - row.column - 2), height: 1)
        screen.put(left, at: leftClip.origin, clip: leftClip)
        screen.put(right, at: Point(column: rightStart, row: row.row),
                   clip: Rect(column: rightStart, row: row.row, width: rightWidth, height: 1))
    }
}

/// A row of tab titles; the selected one in `theme[.selection]`, others in `theme[.muted]`.
public struct Tabs {
    public var titles: [String]
    public var selected: Int

    public init(titles: [String], selected: Int) {
        self.titles = titles
        self.selected = selected
    }

    public func render(into screen: inout Screen, rect: Rect, theme: Theme) {
        guard !rect.isEmpty else { return }
        let row = Rect(column: rect.column, row: rect.row, width: rect.width, height: 1)
        screen.fill(row, style: theme[.text])
        var x = row.column
        for (i, title) in titles.enumerated() {
            guard x < row.maxColumn else { break }
            if i > 0 {
                x = screen.put(String(BorderStyle.single.characters.vertical), at: Point(column: x, row: row.row), style: theme[.border], clip: row)
            }
            x = screen.put(" \(title) ", at: Point(column: x, row: row.row),
                           style: i == selected ? theme[.selection] : theme[.muted], clip: row)
        }
    }

    /// The tab index at a column (for mouse clicks), using the same layout as `render`.
    public func index(atColumn column: Int, in rect: Rect) -> Int? {
        var x = rect.column
        for (i, title) in titles.enumerated() {
            if i > 0 { x += 1 }
            let w = displayWidth(title) + 2
            if column >= x && column < x + w { return i }
            x += w
        }
        return nil
    }
}

/// A full-width coloured line with centred text, e.g. "PRODUCTION — writes go to a live portal".
public struct Banner {
    public var text: String
    public var role: ThemeRole

    public init(_ text: String, role: ThemeRole = .banner) {
        self.text = text
        self.role = role
    }

    public func render(into screen: inout Screen, rect: Rect, theme: Theme) {
        guard !rect.isEmpty else { return }
        let row = Rect(column: rect.column, row: rect.row, width: rect.width, height: 1)
        screen.put(text, in: row, style: theme[role], alignment: .center)
    }
}

/// "Terminal too small" screen for sizes below what a layout needs.
public enum TerminalSizeGuard {
    /// The message shown, e.g. "terminal too small (need 80×24)".
    public static func message(minimum: Size) -> String {
        "terminal too small (need \(minimum.width)×\(minimum.height))"
    }

    /// A screen of `size` with the message centred (wrapped, then cut), or nil when `size` is big enough.
    public static func screen(size: Size, minimum: Size, theme: Theme) -> Screen? {
        guard !size.fits(minimum) else { return nil }
        var screen = Screen(size: size)
        screen.fill(screen.bounds, style: theme[.text])
        guard size.width > 0, size.height > 0 else { return screen }
        let lines = Array(wrap(message(minimum: minimum), width: size.width).prefix(size.height))
        let top = (size.height - lines.count) / 2
        for (i, line) in lines.enumerated() {
            screen.put(line, in: Rect(column: 0, row: top + i, width: size.width, height: 1),
                       style: theme[.warning], alignment: .center)
        }
        return screen
    }
}

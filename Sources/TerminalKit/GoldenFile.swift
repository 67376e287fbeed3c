import Foundation

/// Golden files for screens: a screen's text, optionally with its styles, compared with a file kept beside the
/// tests. Both test targets (TerminalKit's widgets, the console's views) use this one helper.
///
/// With styles, the file holds the rows, a `--- styles` line, a legend (one letter per distinct style, in order
/// of first appearance) and one line of letters per row, a letter per cell, so a changed colour or attribute
/// shows as a changed letter at its row and column.
public enum GoldenFile {
    /// The text a golden file holds for `screen`.
    public static func text(of screen: Screen, styles: Bool = false) -> String {
        var text = screen.lines.joined(separator: "\n") + "\n"
        guard styles else { return text }
        let letters = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
        var legend: [Style] = []
        var rows: [String] = []
        for row in 0 ..< screen.height {
            var line = ""
            for cell in screen.row(row) {
                let index = legend.firstIndex(of: cell.style) ?? { legend.append(cell.style); return legend.count - 1 }()
                line.append(index < letters.count ? letters[index] : "?")
            }
            rows.append(line)
        }
        text += "--- styles\n"
        for (index, style) in legend.enumerated() {
            let letter = index < letters.count ? String(letters[index]) : "?"
            text += "\(letter) \(describe(style))\n"
        }
        return text + rows.joined(separator: "\n") + "\n"
    }

    /// "fg bright-red bg default bold": a style as the legend shows it.
    public static func describe(_ style: Style) -> String {
        let attributes = TextAttributes.named.filter { style.attributes.contains($0.1) }.map(\.0)
        return (["fg \(style.foreground.name)", "bg \(style.background.name)"] + attributes).joined(separator: " ")
    }

    /// Compares `screen` with the golden file at `url`. Returns nil when they match, else what differs (the
    /// actual text, for the test log). With `UPDATE_GOLDEN=1` in the environment the file is rewritten instead.
    public static func mismatch(_ screen: Screen, file url: URL, styles: Bool = false,
                                environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        let actual = text(of: screen, styles: styles)
        if environment["UPDATE_GOLDEN"] == "1" {
            try? FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try? actual.write(to: url, atomically: true, encoding: .utf8)
            return nil
        }
        guard let expected = try? String(contentsOf: url, encoding: .utf8) else {
            return "missing golden file \(url.path); run with UPDATE_GOLDEN=1"
        }
        guard expected != actual else { return nil }
        let expectedLines = expected.split(separator: "\n", omittingEmptySubsequences: false)
        let actualLines = actual.split(separator: "\n", omittingEmptySubsequences: false)
        let first = zip(expectedLines, actualLines).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(expectedLines.count, actualLines.count)
        return "screen differs from \(url.lastPathComponent) at line \(first + 1):\n--- expected\n\(expected)--- actual\n\(actual)"
    }
}

import Foundation
import Testing
@testable import TerminalKit

/// Compares a screen's text with `Golden/NAME.txt`. `UPDATE_GOLDEN=1` rewrites the file instead.
func expectGolden(_ screen: Screen, _ name: String, sourceLocation: SourceLocation = #_sourceLocation) {
    let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden")
    let url = dir.appendingPathComponent("\(name).txt")
    let actual = screen.lines.joined(separator: "\n") + "\n"
    if ProcessInfo.processInfo.environment["UPDATE_GOLDEN"] == "1" {
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try? actual.write(to: url, atomically: true, encoding: .utf8)
        return
    }
    guard let expected = try? String(contentsOf: url, encoding: .utf8) else {
        Issue.record("missing golden file \(url.path); run with UPDATE_GOLDEN=1", sourceLocation: sourceLocation)
        return
    }
    if expected != actual {
        Issue.record("screen differs from \(name).txt:\n--- expected\n\(expected)--- actual\n\(actual)", sourceLocation: sourceLocation)
    }
}

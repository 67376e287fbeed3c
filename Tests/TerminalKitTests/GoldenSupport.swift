import Foundation
import Testing
import TerminalKit

/// Compares a screen (and with `styles`, its colours and attributes) with `Golden/NAME.txt` through
/// TerminalKit's shared ``GoldenFile``. `UPDATE_GOLDEN=1` rewrites the file instead.
func expectGolden(_ screen: Screen, _ name: String, styles: Bool = false, sourceLocation: SourceLocation = #_sourceLocation) {
    let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden/\(name).txt")
    if let problem = GoldenFile.mismatch(screen, file: file, styles: styles) { Issue.record(Comment(rawValue: problem), sourceLocation: sourceLocation) }
}

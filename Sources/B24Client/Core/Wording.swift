import Foundation

/// "850 ms", "2.50 s": a duration as the CLI and the console show it.
public func formatDuration(_ seconds: TimeInterval) -> String {
    seconds < 1 ? "\(Int((seconds * 1000).rounded())) ms" : String(format: "%.2f s", seconds)
}

/// "1 call", "3 calls": a count with its noun, plural by an added "s".
public func counted(_ count: Int, _ noun: String) -> String { "\(count) \(noun)\(count == 1 ? "" : "s")" }

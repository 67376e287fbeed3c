import B24Client
import B24Wire
import Foundation

/// A stored call trace as a person reads it when debugging: what was sent, each attempt and what b24 decided,
/// the waits and token refreshes, and how it ended. Everything in a trace is already masked.
enum TraceText {
    /// Lines of the response shown before it is cut (the full answer is in `--json`).
    static let responseLines = 40

    static func render(_ trace: CallTrace) -> String {
        let time = ISO8601DateFormatter()
        var lines: [String] = []
        let version = trace.apiVersion == .v3 ? "REST 3.0" : "REST v2"
        lines.append("call      \(trace.id)")
        lines.append("method    \(trace.method) (\(trace.risk), \(version))  profile \(trace.profile)")
        lines.append("started   \(time.string(from: trace.startedAt))  took \(formatDuration(trace.duration))  status \(trace.status)"
            + (trace.error.map { " · exit \($0.exitCode)" } ?? ""))
        lines.append("request   \(trace.request.httpMethod) \(trace.request.url)")
        lines.append("params    \(JSONWriter.compact(trace.request.params))")
        if let key = trace.idempotencyKey {
            lines.append("idempotency key \(key)" + (trace.replayed ? " (replayed: the portal was not called)" : ""))
        }
        if let plan = trace.planID { lines.append("plan      \(plan)") }
        // The same steps the console's step view shows: waits, attempts with b24's decisions, refreshes, the outcome
        // with its cause and next action, and a batch's commands.
        lines.append("steps")
        for step in trace.steps().dropFirst() {  // the request is printed above
            let at = step.offset.map { "+" + formatDuration($0) } ?? ""
            lines.append("  " + at.padding(toLength: 10, withPad: " ", startingAt: 0) + step.summary)
            lines += step.details.map { "              " + $0 }
        }
        if let response = trace.response {
            let text = JSONWriter.pretty(response).split(separator: "\n", omittingEmptySubsequences: false)
            lines.append("response")
            lines += text.prefix(responseLines).map { "  " + $0 }
            if text.count > responseLines {
                lines.append("  … \(text.count - responseLines) more lines (b24 history \(trace.id.prefix(8)) --json)")
            }
        }
        return lines.joined(separator: "\n")
    }

    /// The trace as JSON with ISO 8601 times in milliseconds (attempts and waits are often under a second apart).
    static func json(_ trace: CallTrace) throws -> String {
        let encoder = JSONEncoder()
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(formatter.string(from: date))
        }
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(trace), as: UTF8.self)
    }
}

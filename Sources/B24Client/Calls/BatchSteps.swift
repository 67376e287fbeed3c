import B24Wire
import Foundation

/// A batch's commands as rows of the step view: each with its method, its query with `$result[…]` references
/// shown resolved from the earlier commands' results, and its result or error; commands the portal never ran
/// (after a failure with `halt`) say so, and a closing row explains what `halt` did.
public enum BatchSteps {
    /// One row per command of a REST v2 batch (`cmd` as an object or a list), or nothing for other calls.
    public static func commands(request params: JSONValue, response: JSONValue?) -> [CallStep] {
        let commands = self.commands(in: params)
        guard !commands.isEmpty else { return [] }
        let body = response?["result"]
        let results = body?["result"]
        let errors = body?["result_error"]
        var steps: [CallStep] = []
        var failed: [String] = []
        for (key, line) in commands {
            let (method, query) = split(line)
            var details: [String] = []
            if !query.isEmpty { details.append(resolved(query, results: results)) }
            let summary = "command \(key)  \(method)"
            if let error = member(errors, key) {
                failed.append(key)
                let code = error["error"].flatMap(\.stringValue) ?? ""
                let words = error["error_description"].flatMap(\.stringValue) ?? ""
                details.append("error \(code.isEmpty ? "(empty code)" : code): \(words)")
                let explained = ErrorCatalog.explain(PortalError(code: code, message: words, httpStatus: 400))
                if let explained { details.append("next: " + explained.action) }
                steps.append(CallStep(.command, at: nil, summary + "  → error", details: details, tone: .bad))
            } else if let result = member(results, key) {
                let text = JSONWriter.compact(result)
                details.append("result " + (text.count > 72 ? text.prefix(72) + "…" : text))
                steps.append(CallStep(.command, at: nil, summary + "  → ok", details: details, tone: .good))
            } else if response != nil {
                steps.append(CallStep(.command, at: nil, summary + "  → not run", details: details, tone: .muted))
            } else {
                steps.append(CallStep(.command, at: nil, summary, details: details, tone: .muted))
            }
        }
        if response != nil, !failed.isEmpty {
            let halts = isOn(params["halt"])
            let notRun = steps.filter { $0.summary.hasSuffix("→ not run") }.count
            let words = halts
                ? "halt is on: the portal stopped at the first failed command (\(failed[0])); \(counted(notRun, "command")) after it did not run"
                : "halt is off: a failed command does not stop the others (\(counted(failed.count, "command")) failed)"
            steps.append(CallStep(.command, at: nil, words, tone: .warning))
        }
        return steps
    }

    /// The commands in order, by key: `cmd` as an object keeps its keys, a list is keyed 0, 1, ….
    static func commands(in params: JSONValue) -> [(String, String)] {
        switch params["cmd"] {
        case .object(let object)?: return object.map { ($0.key, $0.value.stringValue ?? "") }
        case .array(let items)?: return items.enumerated().map { (String($0.offset), $0.element.stringValue ?? "") }
        default: return []
        }
    }

    /// "crm.lead.add?fields[TITLE]=x" → ("crm.lead.add", "fields[TITLE]=x"), percent-decoded for reading.
    static func split(_ line: String) -> (String, String) {
        let parts = line.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        let query = parts.count > 1 ? String(parts[1]) : ""
        return (String(parts[0]), query.replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? query)
    }

    /// The query with each `$result[key][path…]` followed by " = value" from the earlier results.
    static func resolved(_ query: String, results: JSONValue?) -> String {
        guard let regex = try? NSRegularExpression(pattern: #"\$result\[([^\]]+)\]((?:\[[^\]]*\])*)"#) else { return query }
        var text = query
        let whole = NSRange(text.startIndex..., in: text)
        for match in regex.matches(in: query, range: whole).reversed() {
            guard let range = Range(match.range, in: text), let keyRange = Range(match.range(at: 1), in: text),
                  let pathRange = Range(match.range(at: 2), in: text) else { continue }
            var value = member(results, String(text[keyRange]))
            for segment in text[pathRange].dropFirst().dropLast().components(separatedBy: "][") where !segment.isEmpty {
                value = member(value, segment)
            }
            let shown = value.map { $0.stringValue ?? JSONWriter.compact($0) } ?? "(no value: that command gave none)"
            text.replaceSubrange(range, with: "\(text[range]) = \(shown)")
        }
        return text
    }

    /// A member by key of an object, or by position of a list (PHP turns keys 0…n-1 into a list).
    static func member(_ container: JSONValue?, _ key: String) -> JSONValue? {
        switch container {
        case .object(let object)?: return object[key]
        case .array(let items)?: return Int(key).flatMap { items.indices.contains($0) ? items[$0] : nil }
        default: return nil
        }
    }

    static func isOn(_ value: JSONValue?) -> Bool {
        switch value {
        case .bool(let on)?: return on
        case .int(let number)?: return number != 0
        case .string(let text)?: return ["1", "y", "true"].contains(text.lowercased())
        default: return false
        }
    }
}

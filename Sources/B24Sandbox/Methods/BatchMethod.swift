import B24Wire

/// `batch` (PROTOCOL §2.5): up to 50 commands run in order, `$result[...]` references resolved against earlier
/// results, `halt` stops at the first failure, and results come back in PHP-shaped maps.
enum BatchMethod {
    static let maxCommands = 50

    static func register(into registry: inout MethodRegistry) {
        registry.add("batch", scope: nil, batch: false, run)
    }

    private static func run(_ env: CallEnv) throws -> MethodOutput {
        let commands: JSONObject
        switch env.param("cmd") {
        case .object(let object)?: commands = object
        case .array(let items)?:
            var object = JSONObject()
            for (index, item) in items.enumerated() { object[String(index)] = item }
            commands = object
        default:
            commands = [:]  // PHP iterates an empty array: every map comes back `[]`
        }
        guard commands.count <= maxCommands else { throw RestError.batchLength }
        let halt = env.param("halt")?.boolValue ?? false

        var results = JSONObject(), errors = JSONObject(), totals = JSONObject()
        var nexts = JSONObject(), times = JSONObject()
        for (key, command) in commands {
            guard let text = command.stringValue else { continue }
            let (method, params) = parse(text, results: results, totals: totals, nexts: nexts)
            switch env.portal.execute(method: method, params: params, caller: env.caller, inBatch: true) {
            case .success(let output, let time):
                results[key] = output.result
                if let total = output.total { totals[key] = .int(Int64(total)) }
                if let next = output.next { nexts[key] = .int(Int64(next)) }
                times[key] = time.json()
            case .failure(let error, _):
                errors[key] = error.body
                if halt { break }
            }
            if halt, errors[key] != nil { break }
        }
        return MethodOutput([
            "result": phpMap(results), "result_error": phpMap(errors), "result_total": phpMap(totals),
            "result_next": phpMap(nexts), "result_time": phpMap(times),
        ])
    }

    /// A PHP associative array as `json_encode` writes it: `[]` when empty, a list for keys 0..n-1.
    static func phpMap(_ object: JSONObject) -> JSONValue {
        if object.isEmpty { return .array([]) }
        for (index, key) in object.keys.enumerated() where key != String(index) { return .object(object) }
        return .array(Array(object.values))
    }

    /// Splits `method?query`, URL-decodes the query and substitutes `$result[...]` references.
    static func parse(_ command: String, results: JSONObject, totals: JSONObject, nexts: JSONObject)
        -> (method: String, params: JSONValue)
    {
        let parts = command.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        var method = String(parts[0]).trimmingCharacters(in: .whitespaces).lowercased()
        if method.hasSuffix(".json") { method.removeLast(5) }
        guard parts.count > 1 else { return (method, .emptyObject) }
        var pairs: [(key: String, value: String)] = []
        for piece in parts[1].split(separator: "&", omittingEmptySubsequences: true) {
            let kv = piece.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = (try? PHPForm.percentDecode(String(kv[0]), plusIsSpace: true)) ?? String(kv[0])
            let raw = kv.count > 1 ? String(kv[1]) : ""
            let value = (try? PHPForm.percentDecode(raw, plusIsSpace: true)) ?? raw
            if let whole = wholeReference(value), let resolved = resolve(whole, results, totals, nexts) {
                // A reference to a list or map expands into bracketed keys, as PHP would.
                switch resolved {
                case .array, .object:
                    for pair in PHPForm.pairs(["x": resolved]) {
                        pairs.append((key + pair.key.dropFirst(1), pair.value))
                    }
                    continue
                default: break
                }
            }
            pairs.append((key, substitute(value, results, totals, nexts)))
        }
        let params = (try? PHPForm.decode(pairs: pairs)) ?? .emptyObject
        return (method, params)
    }

    private static let prefixes = ["$result_total", "$result_next", "$result"]

    /// The reference when `text` is exactly one `$result[...]...`.
    private static func wholeReference(_ text: String) -> String? {
        guard text.hasPrefix("$result"), let end = referenceEnd(text, from: text.startIndex), end == text.endIndex
        else { return nil }
        return text
    }

    /// The end of a reference starting at `start` (after its last `]`), or nil if it is not one.
    private static func referenceEnd(_ text: String, from start: String.Index) -> String.Index? {
        let rest = text[start...]
        guard let prefix = prefixes.first(where: { rest.hasPrefix($0) }) else { return nil }
        var index = text.index(start, offsetBy: prefix.count)
        var segments = 0
        while index < text.endIndex, text[index] == "[" {
            guard let close = text[index...].firstIndex(of: "]") else { break }
            index = text.index(after: close)
            segments += 1
        }
        return segments > 0 ? index : nil
    }

    /// Resolves `$result[key][path]...` to a value; nil when any step is missing.
    private static func resolve(_ reference: String, _ results: JSONObject, _ totals: JSONObject,
                                _ nexts: JSONObject) -> JSONValue? {
        let source: JSONObject
        let body: Substring
        if reference.hasPrefix("$result_total") { source = totals; body = reference.dropFirst(13) }
        else if reference.hasPrefix("$result_next") { source = nexts; body = reference.dropFirst(12) }
        else { source = results; body = reference.dropFirst(7) }
        var segments: [String] = []
        var rest = body
        while rest.first == "[", let close = rest.firstIndex(of: "]") {
            segments.append(String(rest[rest.index(after: rest.startIndex)..<close]))
            rest = rest[rest.index(after: close)...]
        }
        guard let first = segments.first, var value = source[first] else { return nil }
        for segment in segments.dropFirst() {
            guard let next = value[segment] ?? value.member(caseInsensitive: segment) else { return nil }
            value = next
        }
        return value
    }

    /// Replaces every reference inside `text` with its scalar text (missing ones become empty).
    private static func substitute(_ text: String, _ results: JSONObject, _ totals: JSONObject,
                                   _ nexts: JSONObject) -> String {
        guard text.contains("$result") else { return text }
        var output = ""
        var index = text.startIndex
        while index < text.endIndex {
            if text[index] == "$", let end = referenceEnd(text, from: index) {
                let reference = String(text[index..<end])
                let value = resolve(reference, results, totals, nexts)
                output += value.flatMap { scalarText($0) } ?? ""
                index = end
            } else {
                output.append(text[index])
                index = text.index(after: index)
            }
        }
        return output
    }

    private static func scalarText(_ value: JSONValue) -> String? {
        switch value {
        case .bool(let flag): return flag ? "1" : ""
        case .null: return ""
        default: return value.stringValue
        }
    }
}

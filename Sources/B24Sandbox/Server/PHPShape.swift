import B24Wire

/// What PHP's `json_encode` does to arrays: an empty associative array becomes `[]`, and one whose keys are
/// exactly `0..n-1` in order becomes a list.
enum PHPShape {
    static func normalize(_ value: JSONValue) -> JSONValue {
        switch value {
        case .object(let object):
            if object.isEmpty { return .array([]) }
            var sequential = true
            var index = 0
            var normalized = JSONObject()
            normalized.reserveCapacity(object.count)
            for (key, member) in object {
                if sequential, key != String(index) { sequential = false }
                index += 1
                normalized[key] = normalize(member)
            }
            return sequential ? .array(Array(normalized.values)) : .object(normalized)
        case .array(let items):
            return .array(items.map(normalize))
        default:
            return value
        }
    }

    /// True when the value (deeply) needs no normalization; lets hot paths skip the copy.
    static func isClean(_ value: JSONValue) -> Bool {
        switch value {
        case .object(let object):
            if object.isEmpty || object.keys.first == "0" { return false }
            return object.values.allSatisfy(isClean)
        case .array(let items): return items.allSatisfy(isClean)
        default: return true
        }
    }
}

import B24Wire

/// The `.xml` flavour of answers: a `<response>` root, one element per key, list items as `<item>`.
enum XMLOutput {
    static func document(_ value: JSONValue) -> String {
        var text = "<?xml version=\"1.0\" encoding=\"utf-8\"?>"
        write(value, name: "response", into: &text)
        return text
    }

    private static func write(_ value: JSONValue, name: String, into text: inout String) {
        let tag = safeName(name)
        switch value {
        case .null: text += "<\(tag)/>"
        case .bool(let flag): text += "<\(tag)>\(flag ? "true" : "false")</\(tag)>"
        case .int, .double: text += "<\(tag)>\(value.stringValue ?? "")</\(tag)>"
        case .string(let string): text += "<\(tag)>\(escape(string))</\(tag)>"
        case .array(let items):
            text += "<\(tag)>"
            for item in items { write(item, name: "item", into: &text) }
            text += "</\(tag)>"
        case .object(let object):
            text += "<\(tag)>"
            for (key, member) in object { write(member, name: key, into: &text) }
            text += "</\(tag)>"
        }
    }

    private static func safeName(_ name: String) -> String {
        guard let first = name.unicodeScalars.first, first.properties.isAlphabetic || first == "_" else {
            return "item"
        }
        return String(String.UnicodeScalarView(name.unicodeScalars.map {
            $0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "_" || $0 == "-" || $0 == "." ? $0 : "_"
        }))
    }

    private static func escape(_ text: String) -> String {
        var output = ""
        output.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": output += "&amp;"
            case "<": output += "&lt;"
            case ">": output += "&gt;"
            case "\"": output += "&quot;"
            default: output.append(character)
            }
        }
        return output
    }
}

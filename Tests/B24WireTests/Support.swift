import Foundation
import Testing
@testable import B24Wire

/// The folder of documented Bitrix24 wire examples, when the environment points at it.
/// A user's clone of the project has no such folder, so the tests that need it are skipped then.
enum ProtocolExamples {
    static let directory: URL? = {
        guard let path = ProcessInfo.processInfo.environment["B24_PROTOCOL_EXAMPLES"], !path.isEmpty else {
            return nil
        }
        return URL(fileURLWithPath: path, isDirectory: true)
    }()

    static var available: Bool { directory != nil }

    /// Every `*.json` file of the folder, sorted by name.
    static func jsonFiles() throws -> [URL] {
        guard let directory else { return [] }
        return try FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: nil)
            .filter { $0.pathExtension == "json" }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
    }

    static func bytes(_ name: String) throws -> [UInt8] {
        let directory = try #require(directory)
        return Array(try Data(contentsOf: directory.appendingPathComponent(name)))
    }

    static func load(_ name: String) throws -> JSONValue {
        try JSONParser.parse(bytes(name))
    }
}

/// Expects `body` to throw a `JSONParseError` and hands it back.
func parseFailure(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) -> JSONParseError? {
    parseFailure(Array(text.utf8), sourceLocation: sourceLocation)
}

func parseFailure(_ bytes: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) -> JSONParseError? {
    do {
        let value = try JSONParser.parse(bytes)
        Issue.record("expected a parse error, got \(value)", sourceLocation: sourceLocation)
        return nil
    } catch {
        return error
    }
}

func formFailure(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) -> PHPForm.DecodingError? {
    do {
        let value = try PHPForm.decode(text)
        Issue.record("expected a decoding error, got \(value)", sourceLocation: sourceLocation)
        return nil
    } catch {
        return error
    }
}

/// The query part of a URL (after the first `?`), exactly as written.
func queryPart(_ url: String) -> String {
    guard let mark = url.firstIndex(of: "?") else { return "" }
    return String(url[url.index(after: mark)...])
}

// MARK: - An independent reading of JSON, to check the parser against something it does not share code with

/// Object keys in document order, found by a scanner that knows only string and whitespace syntax.
/// Each key is decoded by Foundation's `JSONSerialization`, not by `JSONParser`.
func keysInDocumentOrder(_ bytes: [UInt8]) throws -> [String] {
    var keys: [String] = []
    var index = 0
    while index < bytes.count {
        guard bytes[index] == UInt8(ascii: "\"") else { index += 1; continue }
        let start = index
        index += 1
        while index < bytes.count, bytes[index] != UInt8(ascii: "\"") {
            index += bytes[index] == UInt8(ascii: "\\") ? 2 : 1
        }
        index += 1
        let end = index
        var after = index
        while after < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[after]) { after += 1 }
        if after < bytes.count, bytes[after] == UInt8(ascii: ":") {
            let token = Data(bytes[start..<end])
            let key = try JSONSerialization.jsonObject(with: token, options: .fragmentsAllowed)
            keys.append(try #require(key as? String))
        }
    }
    return keys
}

/// The same keys, walked in `JSONValue` order.
func keysInValueOrder(_ value: JSONValue) -> [String] {
    switch value {
    case .object(let object):
        return object.flatMap { [$0.key] + keysInValueOrder($0.value) }
    case .array(let items):
        return items.flatMap(keysInValueOrder)
    default:
        return []
    }
}

/// Compares a parsed value with Foundation's reading of the same text (order-insensitive there, by design).
func matchesFoundation(_ value: JSONValue, _ other: Any, path: String = "$") -> String? {
    switch value {
    case .null:
        return other is NSNull ? nil : "\(path): null vs \(other)"
    case .bool(let flag):
        return (other as? Bool) == flag ? nil : "\(path): \(flag) vs \(other)"
    case .int(let number):
        guard let other = other as? NSNumber, other.int64Value == number, other.doubleValue == Double(number) || abs(number) > 1 << 53
        else { return "\(path): \(number) vs \(other)" }
        return nil
    case .double(let number):
        // swift-corelibs-foundation's JSONSerialization rounds some decimals 1-2 ulps off (0.39041590690612793
        // becomes 0.3904159069061278), so only closeness is checked here; exactness is checked against known bits.
        guard let foreign = (other as? NSNumber)?.doubleValue, abs(foreign - number) <= 4 * number.ulp else {
            return "\(path): \(number) vs \(other)"
        }
        return nil
    case .string(let text):
        return (other as? String) == text ? nil : "\(path): \(text.debugDescription) vs \(other)"
    case .array(let items):
        guard let list = other as? [Any], list.count == items.count else { return "\(path): array vs \(other)" }
        for (index, item) in items.enumerated() {
            if let problem = matchesFoundation(item, list[index], path: "\(path)[\(index)]") { return problem }
        }
        return nil
    case .object(let object):
        guard let map = other as? [String: Any], map.count == object.count else { return "\(path): object vs \(other)" }
        for (key, item) in object {
            guard let counterpart = map[key] else { return "\(path): missing \(key)" }
            if let problem = matchesFoundation(item, counterpart, path: "\(path).\(key)") { return problem }
        }
        return nil
    }
}

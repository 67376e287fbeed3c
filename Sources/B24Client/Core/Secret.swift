import Foundation

/// A credential (webhook code, access or refresh token, client secret) that must never be shown.
///
/// `description`, `debugDescription` and string interpolation print a mask; only `reveal()` gives the raw
/// text, and it is called at the last moment, when a request goes on the wire or a profile is written to disk.
public struct Secret: Sendable, Hashable, Codable, CustomStringConvertible, CustomDebugStringConvertible {
    private let raw: String

    public init(_ raw: String) { self.raw = raw }

    /// The raw secret. Call only to put it on the wire or into the 0600 profile file.
    public func reveal() -> String { raw }

    /// True when there is nothing stored.
    public var isEmpty: Bool { raw.isEmpty }

    /// A mask that lets people tell two secrets apart without learning either: `****` plus the last 4
    /// characters when the secret is long enough that 4 characters say little about it.
    public var masked: String {
        raw.count >= 16 ? "****" + raw.suffix(4) : "****"
    }

    public var description: String { masked }
    public var debugDescription: String { "Secret(\(masked))" }

    public init(from decoder: Decoder) throws {
        raw = try decoder.singleValueContainer().decode(String.self)
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(raw)
    }
}

/// Replaces every known secret inside free text (URLs, error messages, response bodies) by its mask.
///
/// Webhook codes travel inside the URL path and tokens may be echoed back by proxies, so every string that
/// leaves the client for the screen, a log, the audit file or history goes through a redactor.
public struct Redactor: Sendable {
    /// Each secret as given, percent-encoded (nil when that is the same text), and its mask; longest first.
    private var secrets: [(raw: String, encoded: String?, masked: String)] = []

    public init(_ secrets: [Secret] = []) {
        for secret in secrets { add(secret) }
    }

    /// Registers another secret; empty and very short values are ignored (they would mask ordinary text).
    public mutating func add(_ secret: Secret) {
        let raw = secret.reveal()
        guard raw.count >= 6, !secrets.contains(where: { $0.raw == raw }) else { return }
        let encoded = Self.percentEncoded(raw)
        secrets.append((raw, encoded == raw ? nil : encoded, secret.masked))
        // Longest first, so a secret that contains another is masked whole.
        secrets.sort { $0.raw.count > $1.raw.count }
    }

    /// The text with every registered secret masked, raw or percent-encoded, and webhook codes masked by position.
    public func redact(_ text: String) -> String {
        var output = Self.maskWebhookPaths(text)
        for secret in secrets {
            if output.contains(secret.raw) {
                output = output.replacingOccurrences(of: secret.raw, with: secret.masked)
            }
            if let encoded = secret.encoded, output.contains(encoded) {
                output = output.replacingOccurrences(of: encoded, with: secret.masked)
            }
        }
        return output
    }

    /// The text with every byte other than an ASCII letter or digit percent-encoded (`%2F`), as a secret looks
    /// inside a form body or a query string.
    static func percentEncoded(_ text: String) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        var bytes: [UInt8] = []
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                bytes.append(byte)
            default:
                bytes += [UInt8(ascii: "%"), hex[Int(byte >> 4)], hex[Int(byte & 0xF)]]
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Masks the code segment of every webhook URL path in the text (`/rest/USER/CODE/` and
    /// `/rest/api/USER/CODE/`, the code being letters, digits, `_` and `-`), whatever its length, so that a code
    /// b24 was never told about (a mistyped argument, a redirect target) is masked too.
    ///
    /// A scan by hand rather than a regular expression: compiling one cost about 1.5 ms of every `b24 call`.
    public static func maskWebhookPaths(_ text: String) -> String {
        guard text.contains("/rest/") else { return text }
        let bytes = Array(text.utf8)
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            if let code = webhookCode(in: bytes, at: index) {
                output += bytes[index..<code.lowerBound]
                output += Array("****".utf8)
                index = code.upperBound
            } else {
                output.append(bytes[index])
                index += 1
            }
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// The byte range of the code when a webhook path `/rest/[api/]USER/CODE` followed by `/` or the end starts
    /// at `start`.
    private static func webhookCode(in bytes: [UInt8], at start: Int) -> Range<Int>? {
        func has(_ word: StaticString, at position: Int) -> Bool {
            let length = word.utf8CodeUnitCount
            return position + length <= bytes.count
                && bytes[position..<position + length].elementsEqual(UnsafeBufferPointer(start: word.utf8Start, count: length))
        }
        guard bytes[start] == UInt8(ascii: "/"), has("/rest/", at: start) else { return nil }
        var position = start + 6
        if has("api/", at: position) { position += 4 }
        let userStart = position
        while position < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[position]) { position += 1 }
        guard position > userStart, position < bytes.count, bytes[position] == UInt8(ascii: "/") else { return nil }
        position += 1
        let codeStart = position
        while position < bytes.count, isCodeByte(bytes[position]) { position += 1 }
        // Like the `(/|$)` of a regular expression: a slash, the end, or a line break that ends the text.
        let rest = bytes[position...]
        guard position > codeStart,
              rest.first == UInt8(ascii: "/") || rest.isEmpty || [[10], [13], [13, 10]].contains(Array(rest))
        else { return nil }
        return codeStart..<position
    }

    private static func isCodeByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "_"), UInt8(ascii: "-"):
            return true
        default:
            return false
        }
    }
}

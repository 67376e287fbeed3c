import B24Wire
import Foundation

/// Turns an HTTP response into a Bitrix24 envelope or a typed error.
public enum ResponseDecoder {
    /// The envelope on success (`result` present, no `error`); a typed error otherwise.
    public static func decode(_ response: HTTPResponse) -> Result<JSONValue, B24Error> {
        let envelope: JSONValue
        do {
            envelope = try JSONParser.parse(response.body)
        } catch {
            if response.status >= 400 || looksLikeHTML(response.body) {
                return .failure(.http(status: response.status, snippet: snippet(response.body)))
            }
            if response.body.isEmpty {
                return .failure(.decoding("empty body with HTTP \(response.status)"))
            }
            return .failure(.decoding("\(error) (HTTP \(response.status), \(response.body.count) bytes)"))
        }
        if let error = PortalError.from(envelope: envelope, httpStatus: response.status) {
            return .failure(.portal(error))
        }
        guard envelope["result"] != nil else {
            if response.status >= 400 { return .failure(.http(status: response.status, snippet: snippet(response.body))) }
            return .failure(.decoding("the answer has neither 'result' nor 'error' (HTTP \(response.status))"))
        }
        return .success(envelope)
    }

    static func looksLikeHTML(_ body: Data) -> Bool {
        let head = String(decoding: body.prefix(256), as: UTF8.self).lowercased()
        return head.contains("<html") || head.contains("<!doctype") || head.contains("<head") || head.contains("<body")
    }

    /// A short, single-line excerpt of a body for error messages: the HTML title when there is one.
    public static func snippet(_ body: Data) -> String {
        let text = String(decoding: body.prefix(4096), as: UTF8.self)
        if let start = text.range(of: "<title>", options: .caseInsensitive),
           let end = text.range(of: "</title>", options: .caseInsensitive, range: start.upperBound..<text.endIndex)
        {
            return "\"" + text[start.upperBound..<end.lowerBound].trimmingWhitespace + "\""
        }
        let flattened = text.replacingOccurrences(of: "<[^>]+>", with: " ", options: .regularExpression)
            .split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
        if flattened.isEmpty { return "(empty body)" }
        return flattened.count > 120 ? String(flattened.prefix(120)) + "…" : flattened
    }
}

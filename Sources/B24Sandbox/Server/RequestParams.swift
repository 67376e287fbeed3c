import B24Wire

/// Turns a request's query string and body into one parameter tree, the way PHP's `$_REQUEST` would.
enum RequestParams {
    enum Failure: Error {
        case malformed(String)
        /// The body is not JSON where JSON is required (REST 3.0).
        case notJSON
    }

    /// v2: query first, body members override. `contentType` decides how the body is read.
    static func parse(query: String?, body: [UInt8], contentType: String?, jsonOnly: Bool) throws -> JSONValue {
        var params = JSONObject()
        if !jsonOnly, let query, !query.isEmpty {
            guard let decoded = try? PHPForm.decode(query) else { throw Failure.malformed("query string") }
            if let object = decoded.objectValue { params = object }
        }
        guard !body.isEmpty else { return .object(params) }
        let type = (contentType ?? "").lowercased()
        let bodyValue: JSONValue
        if type.contains("json") || (type.isEmpty && looksLikeJSON(body)) || (jsonOnly && !type.contains("form")) {
            do { bodyValue = try JSONParser.parse(body) } catch {
                if jsonOnly { throw Failure.notJSON }
                throw Failure.malformed("JSON body: \(error)")
            }
        } else if jsonOnly {
            throw Failure.notJSON
        } else if type.contains("multipart/form-data") {
            guard let boundary = boundary(of: contentType ?? "") else { throw Failure.malformed("multipart boundary") }
            guard let pairs = Multipart.pairs(body, boundary: boundary),
                  let decoded = try? PHPForm.decode(pairs: pairs)
            else { throw Failure.malformed("multipart body") }
            bodyValue = decoded
        } else {
            guard let text = String(validating: body, as: UTF8.self), let decoded = try? PHPForm.decode(text) else {
                throw Failure.malformed("form body")
            }
            bodyValue = decoded
        }
        switch bodyValue {
        case .object(let object):
            for (key, value) in object { params[key] = value }
        case .array(let items):
            // A JSON list at the top (positional parameters, or REST 3.0 batch).
            if params.isEmpty { return .array(items) }
            for (index, value) in items.enumerated() { params[String(index)] = value }
        default:
            if jsonOnly || type.contains("json") { throw Failure.malformed("JSON body must be an object") }
        }
        return .object(params)
    }

    private static func looksLikeJSON(_ body: [UInt8]) -> Bool {
        for byte in body where byte != 0x20 && byte != 0x0A && byte != 0x0D && byte != 0x09 {
            return byte == UInt8(ascii: "{") || byte == UInt8(ascii: "[")
        }
        return false
    }

    private static func boundary(of contentType: String) -> String? {
        for part in contentType.split(separator: ";") {
            let trimmed = part.trimmingCharacters(in: .whitespaces)
            if trimmed.lowercased().hasPrefix("boundary=") {
                var value = String(trimmed.dropFirst(9))
                if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 { value = String(value.dropFirst().dropLast()) }
                return value.isEmpty ? nil : value
            }
        }
        return nil
    }
}

/// A small multipart/form-data reader: each part's `name` and its content as text (files as base64 text).
enum Multipart {
    static func pairs(_ body: [UInt8], boundary: String) -> [(key: String, value: String)]? {
        let delimiter = Array(("--" + boundary).utf8)
        var result: [(key: String, value: String)] = []
        var positions: [Int] = []
        var index = 0
        while let found = find(delimiter, in: body, from: index) {
            positions.append(found)
            index = found + delimiter.count
        }
        guard positions.count >= 2 else { return nil }
        for (start, end) in zip(positions, positions.dropFirst()) {
            var partStart = start + delimiter.count
            // Skip the CRLF after the delimiter.
            if partStart + 1 < body.count, body[partStart] == 13, body[partStart + 1] == 10 { partStart += 2 }
            var partEnd = end
            if partEnd >= 2, body[partEnd - 2] == 13, body[partEnd - 1] == 10 { partEnd -= 2 }
            guard partStart <= partEnd else { continue }
            let part = Array(body[partStart..<partEnd])
            guard let split = find([13, 10, 13, 10], in: part, from: 0) else { continue }
            let headerText = String(decoding: part[0..<split], as: UTF8.self)
            let content = Array(part[(split + 4)...])
            var name: String?
            var isFile = false
            for line in headerText.split(separator: "\r\n") where line.lowercased().hasPrefix("content-disposition") {
                for attribute in line.split(separator: ";").dropFirst() {
                    let pieces = attribute.trimmingCharacters(in: .whitespaces).split(separator: "=", maxSplits: 1)
                    guard pieces.count == 2 else { continue }
                    var value = String(pieces[1])
                    if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 { value = String(value.dropFirst().dropLast()) }
                    switch pieces[0].lowercased() {
                    case "name": name = value
                    case "filename": isFile = true
                    default: break
                    }
                }
            }
            guard let name else { continue }
            if !isFile, let text = String(validating: content, as: UTF8.self) {
                result.append((name, text))
            } else {
                result.append((name, Base64.encode(content)))
            }
        }
        return result
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8], from: Int) -> Int? {
        guard !needle.isEmpty, haystack.count >= needle.count else { return nil }
        var index = from
        let last = haystack.count - needle.count
        while index <= last {
            if haystack[index] == needle[0] {
                var match = true
                for offset in 1..<needle.count where haystack[index + offset] != needle[offset] { match = false; break }
                if match { return index }
            }
            index += 1
        }
        return nil
    }
}

enum Base64 {
    static func encode(_ bytes: [UInt8]) -> String {
        let table = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        var output: [UInt8] = []
        output.reserveCapacity((bytes.count + 2) / 3 * 4)
        var index = 0
        while index < bytes.count {
            let b0 = Int(bytes[index])
            let b1 = index + 1 < bytes.count ? Int(bytes[index + 1]) : 0
            let b2 = index + 2 < bytes.count ? Int(bytes[index + 2]) : 0
            output.append(table[b0 >> 2])
            output.append(table[((b0 & 3) << 4) | (b1 >> 4)])
            output.append(index + 1 < bytes.count ? table[((b1 & 15) << 2) | (b2 >> 6)] : UInt8(ascii: "="))
            output.append(index + 2 < bytes.count ? table[b2 & 63] : UInt8(ascii: "="))
            index += 3
        }
        return String(decoding: output, as: UTF8.self)
    }
}

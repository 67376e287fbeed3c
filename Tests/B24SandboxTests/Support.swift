import B24Sandbox
import B24Wire
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// One HTTP exchange as a client sees it.
struct Exchange {
    var status: Int
    var headers: [String: String]
    var body: Data
    var text: String { String(decoding: body, as: UTF8.self) }
    var json: JSONValue? { try? JSONParser.parse(Array(body)) }
    func header(_ name: String) -> String? {
        headers.first { $0.key.lowercased() == name.lowercased() }?.value
    }
}

/// Refuses redirects so tests can see the 302 itself.
final class NoRedirects: NSObject, URLSessionTaskDelegate {
    func urlSession(_ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
                    newRequest request: URLRequest, completionHandler: @escaping (URLRequest?) -> Void) {
        completionHandler(nil)
    }
}

let testSession: URLSession = {
    let configuration = URLSessionConfiguration.ephemeral
    configuration.timeoutIntervalForRequest = 30
    return URLSession(configuration: configuration, delegate: NoRedirects(), delegateQueue: nil)
}()

enum Body {
    case none
    case json(JSONValue)
    case raw(String, contentType: String)
    case form(String)
}

func send(_ url: URL, method: String = "POST", _ body: Body = .none, headers: [String: String] = [:]) async throws -> Exchange {
    var request = URLRequest(url: url)
    request.httpMethod = method
    switch body {
    case .none: break
    case .json(let value):
        request.httpBody = Data(JSONWriter.compact(value).utf8)
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
    case .raw(let text, let type):
        request.httpBody = Data(text.utf8)
        request.setValue(type, forHTTPHeaderField: "Content-Type")
    case .form(let text):
        request.httpBody = Data(text.utf8)
        request.setValue("application/x-www-form-urlencoded", forHTTPHeaderField: "Content-Type")
    }
    for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
    let (data, response) = try await testSession.data(for: request)
    let http = response as! HTTPURLResponse
    var fields: [String: String] = [:]
    for (key, value) in http.allHeaderFields { fields[String(describing: key)] = String(describing: value) }
    return Exchange(status: http.statusCode, headers: fields, body: data)
}

/// Calls `method` on a webhook base URL with a JSON body.
func call(_ base: URL, _ method: String, _ params: JSONValue = .emptyObject) async throws -> Exchange {
    try await send(URL(string: base.absoluteString + method)!, .json(params))
}

/// Options for tests: limits off unless a test turns them on.
func quietOptions(_ configure: (inout SandboxOptions) -> Void = { _ in }) -> SandboxOptions {
    var options = SandboxOptions()
    options.bucketSetting = .off
    options.operatingLimitSeconds = nil
    configure(&options)
    return options
}

/// Runs `body` against a fresh sandbox on a free port.
func withSandbox(_ options: SandboxOptions = quietOptions(), _ body: (Sandbox) async throws -> Void) async throws {
    let sandbox = try await Sandbox.start(options)
    do {
        try await body(sandbox)
    } catch {
        await sandbox.stop()
        throw error
    }
    await sandbox.stop()
}

/// The documented examples folder, when `B24_PROTOCOL_EXAMPLES` points at it.
var examplesFolder: URL? {
    guard let path = ProcessInfo.processInfo.environment["B24_PROTOCOL_EXAMPLES"], !path.isEmpty else { return nil }
    return URL(fileURLWithPath: path)
}

func loadExample(_ name: String) -> JSONValue? {
    guard let folder = examplesFolder, let data = try? Data(contentsOf: folder.appendingPathComponent(name)) else {
        return nil
    }
    return try? JSONParser.parse(Array(data))
}

/// Keys and kinds that a documented answer has but ours lacks ("path: expected kind").
func shapeDifferences(expected: JSONValue, actual: JSONValue, path: String = "$") -> [String] {
    switch (expected, actual) {
    case (.object(let e), .object(let a)):
        var problems: [String] = []
        for (key, value) in e {
            guard let other = a[key] else { problems.append("\(path).\(key): missing"); continue }
            problems += shapeDifferences(expected: value, actual: other, path: "\(path).\(key)")
        }
        return problems
    case (.array(let e), .array(let a)):
        guard let first = e.first, let other = a.first else { return [] }
        return shapeDifferences(expected: first, actual: other, path: path + "[0]")
    case (.null, _), (_, .null): return []
    case (.int, .double), (.double, .int), (.int, .int), (.double, .double): return []
    case (.string, .string), (.bool, .bool): return []
    case (.object(let e), .array(let a)) where e.isEmpty || a.isEmpty: return []
    case (.array(let e), .object(let a)) where e.isEmpty || a.isEmpty: return []
    default: return ["\(path): expected \(expected.kindName), got \(actual.kindName)"]
    }
}

import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// One HTTP request as b24 sends it.
public struct HTTPRequest: Sendable {
    public var method: String
    public var url: URL
    public var headers: [String: String]
    public var body: Data?

    public init(method: String, url: URL, headers: [String: String] = [:], body: Data? = nil) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
    }
}

/// One HTTP response.
public struct HTTPResponse: Sendable {
    public var status: Int
    public var headers: [String: String]
    public var body: Data

    public init(status: Int, headers: [String: String], body: Data) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// A header by case-insensitive name.
    public func header(_ name: String) -> String? {
        headers.first(where: { $0.key.caseInsensitiveCompare(name) == .orderedSame })?.value
    }
}

/// Sends HTTP requests; tests and the console use the same URLSession-backed implementation.
public protocol HTTPTransport: Sendable {
    /// Sends the request; throws `B24Error.transport` when no response arrives.
    func send(_ request: HTTPRequest) async throws -> HTTPResponse
}

/// The URLSession transport: no redirects followed (b24 handles a portal's domain move itself), no cookies,
/// no cache, a per-request timeout.
public final class URLSessionTransport: NSObject, HTTPTransport, URLSessionTaskDelegate, @unchecked Sendable {
    private var session: URLSession!

    /// Connections kept per portal; the client never has more requests in flight than this.
    public static let connectionsPerHost = 8

    public init(timeout: TimeInterval = 70) {
        super.init()
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeout
        configuration.timeoutIntervalForResource = timeout
        configuration.httpCookieStorage = nil
        configuration.urlCache = nil
        configuration.httpMaximumConnectionsPerHost = Self.connectionsPerHost
        session = URLSession(configuration: configuration, delegate: self, delegateQueue: nil)
    }

    deinit { session.finishTasksAndInvalidate() }

    public func urlSession(_ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
                           newRequest request: URLRequest, completionHandler: @escaping (URLRequest?) -> Void)
    {
        completionHandler(nil)
    }

    public func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        var urlRequest = URLRequest(url: request.url)
        urlRequest.httpMethod = request.method
        for (name, value) in request.headers { urlRequest.setValue(value, forHTTPHeaderField: name) }
        urlRequest.httpBody = request.body
        do {
            let (data, response) = try await session.data(for: urlRequest)
            guard let http = response as? HTTPURLResponse else {
                throw B24Error.transport(.other, "not an HTTP response")
            }
            var headers: [String: String] = [:]
            for (name, value) in http.allHeaderFields {
                headers[String(describing: name)] = String(describing: value)
            }
            return HTTPResponse(status: http.statusCode, headers: headers, body: data)
        } catch let error as B24Error {
            throw error
        } catch let error as URLError {
            // libcurl reports a body cut short as a generic error; it is a lost connection mid-response.
            if error.localizedDescription.contains("transfer closed") {
                throw B24Error.transport(.connectionLost, "the response was truncated: \(error.localizedDescription)")
            }
            // libcurl reports most TLS failures (plain HTTP behind an https URL, a bad certificate) as generic errors.
            let text = error.localizedDescription
            if Self.kind(of: error) == .other, text.contains("SSL") || text.contains("TLS") || text.contains("certificate") {
                throw B24Error.transport(.tls, "TLS handshake with \(request.url.host ?? "?") failed: \(text)")
            }
            throw B24Error.transport(Self.kind(of: error), Self.describe(error, url: request.url))
        } catch {
            throw B24Error.transport(.other, error.localizedDescription)
        }
    }

    static func kind(of error: URLError) -> TransportFailureKind {
        switch error.code {
        case .timedOut: return .timeout
        case .cannotConnectToHost: return .connectionRefused
        case .cannotFindHost, .dnsLookupFailed: return .unknownHost
        case .networkConnectionLost, .badServerResponse, .cannotParseResponse: return .connectionLost
        case .secureConnectionFailed, .serverCertificateUntrusted, .serverCertificateHasBadDate,
             .serverCertificateNotYetValid, .serverCertificateHasUnknownRoot, .clientCertificateRejected:
            return .tls
        default: return .other
        }
    }

    static func describe(_ error: URLError, url: URL) -> String {
        let host = url.host.map { $0 + (url.port.map { ":\($0)" } ?? "") } ?? "?"
        switch error.code {
        case .timedOut: return "no answer from \(host) within the timeout"
        case .cannotConnectToHost: return "connection refused by \(host)"
        case .cannotFindHost, .dnsLookupFailed: return "unknown host \(url.host ?? "?")"
        case .networkConnectionLost: return "connection to \(host) closed before the response was complete"
        case .badServerResponse, .cannotParseResponse: return "\(host) sent a broken HTTP response"
        default: return "\(host): \(error.localizedDescription)"
        }
    }
}

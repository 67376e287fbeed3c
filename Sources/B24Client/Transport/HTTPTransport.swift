import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

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

/// Sends HTTP requests; the CLI, the console and the tests use the same AsyncHTTPClient-backed implementation.
public protocol HTTPTransport: Sendable {
    /// Sends the request; throws `B24Error.transport` when no response arrives.
    func send(_ request: HTTPRequest) async throws -> HTTPResponse
}

/// The HTTP transport on AsyncHTTPClient: no redirects followed (b24 handles a portal's domain move itself), no
/// cookies, a deadline per request. (Foundation's URLSession on Linux spins a core while it waits for an answer,
/// and with a reused connection that the server dropped it was seen to wait out the whole timeout.)
public final class NIOHTTPTransport: HTTPTransport, @unchecked Sendable {
    /// Connections kept per portal; the client never has more requests in flight than this.
    public static let connectionsPerHost = 8
    /// Larger answers are refused rather than held in memory.
    public static let maximumBodyBytes = 256 << 20

    /// One client for the whole process, shared by every `B24Client`: its event loop threads and pooled
    /// connections are made once. It lives until the process ends, so it is never shut down.
    static let client: HTTPClient = {
        var configuration = HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: .init(connect: .seconds(10)))
        configuration.connectionPool = .init(
            idleTimeout: .seconds(50), concurrentHTTP1ConnectionsPerHostSoftLimit: connectionsPerHost)
        // A refused connection is reported at once (b24's own retry rules decide what happens next) instead of
        // being retried inside the pool until the deadline.
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.decompression = .disabled
        // One event loop thread is plenty for b24's few connections and starts faster than NIO's singleton
        // group, which spawns a thread per core.
        return HTTPClient(eventLoopGroup: MultiThreadedEventLoopGroup(numberOfThreads: 1), configuration: configuration)
    }()

    /// Makes the shared client now (its event loop thread starts), so the first request does not wait for it.
    public static func prepare() {
        _ = client
    }

    private let timeout: TimeInterval

    public init(timeout: TimeInterval = 70) {
        self.timeout = timeout
    }

    public func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        // A hand-edited profile can still hold a port NIO would trap on; nothing is sent then.
        _ = try checkedPort(request.url.port, in: "the URL of \(request.url.host ?? "the portal")")
        var outgoing = HTTPClientRequest(url: request.url.absoluteString)
        outgoing.method = HTTPMethod(rawValue: request.method)
        for (name, value) in request.headers { outgoing.headers.add(name: name, value: value) }
        if let body = request.body { outgoing.body = .bytes(ByteBuffer(bytes: body)) }
        let deadline = NIODeadline.now() + .nanoseconds(Int64(max(0.001, timeout) * 1e9))
        do {
            let response = try await Self.client.execute(outgoing, deadline: deadline)
            let body = try await response.body.collect(upTo: Self.maximumBodyBytes)
            var headers: [String: String] = [:]
            for (name, value) in response.headers {
                headers[name] = headers[name].map { $0 + ", " + value } ?? value
            }
            return HTTPResponse(status: Int(response.status.code), headers: headers, body: Data(body.readableBytesView))
        } catch let error as B24Error {
            throw error
        } catch {
            throw Self.classify(error, url: request.url)
        }
    }

    /// A transport failure in b24's terms: whether anything can have reached the portal decides retries.
    static func classify(_ error: Error, url: URL) -> B24Error {
        let host = url.host.map { $0 + (url.port.map { ":\($0)" } ?? "") } ?? "?"
        if let error = error as? HTTPClientError {
            switch error {
            case .deadlineExceeded, .readTimeout, .writeTimeout:
                return .transport(.timeout, "no answer from \(host) within the timeout")
            case .connectTimeout, .getConnectionFromPoolTimeout:
                // Nothing was sent: like a refused connection, safe to retry.
                return .transport(.connectionRefused, "could not connect to \(host) (connect timeout)")
            case .remoteConnectionClosed:
                return .transport(.connectionLost, "connection to \(host) closed before the response was complete")
            case .tlsHandshakeTimeout:
                return .transport(.tls, "TLS handshake with \(host) timed out")
            default:
                return .transport(.other, "\(host): \(error)")
            }
        }
        if let error = error as? NIOConnectionError {
            if error.connectionErrors.isEmpty, error.dnsAError != nil || error.dnsAAAAError != nil {
                return .transport(.unknownHost, "unknown host \(url.host ?? "?")")
            }
            return .transport(.connectionRefused, "connection refused by \(host)")
        }
        if error is SocketAddressError {
            return .transport(.unknownHost, "unknown host \(url.host ?? "?")")
        }
        if let error = error as? IOError {
            switch error.errnoCode {
            case ECONNREFUSED: return .transport(.connectionRefused, "connection refused by \(host)")
            case ECONNRESET, EPIPE: return .transport(.connectionLost, "connection to \(host) was reset")
            default: return .transport(.other, "\(host): \(error)")
            }
        }
        if error is HTTPParserError {
            return .transport(.connectionLost, "\(host) sent a broken or truncated HTTP response")
        }
        if error is NIOTooManyBytesError {
            return .decoding("the answer from \(host) is larger than \(maximumBodyBytes >> 20) MB")
        }
        let name = String(reflecting: type(of: error))
        if name.contains("SSL") || name.contains("TLS") {
            let detail = "\(error)"
            if detail.contains("WRONG_VERSION_NUMBER") {
                return .transport(.tls, "TLS handshake with \(host) failed: it does not speak https there (plain http?)")
            }
            return .transport(.tls, "TLS handshake with \(host) failed: \(detail.prefix(160))")
        }
        return .transport(.other, "\(host): \(error)")
    }
}

import B24Wire
import Foundation
import Hummingbird
import NIOCore
import HTTPTypes

/// Request context carrying the connection, so faults can close it.
struct SandboxContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    let channel: any Channel

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
    }
}

/// The single HTTP entry point: routes by path, then applies faults, body parsing, auth, limits and methods.
struct SandboxResponder: HTTPResponder {
    typealias Context = SandboxContext
    let portal: Portal

    private struct Truncated: Error {}

    func respond(to request: Request, context: SandboxContext) async throws -> Response {
        portal.stats.request()
        let route = Route.parse(path: request.uri.path)
        var fault: Fault?
        if case .call(let call) = route { fault = portal.faults.next(method: call.method) }
        if fault != nil { portal.stats.fault() }

        switch fault {
        case .drop?:
            try? await context.channel.close()
            return Response(status: .ok)
        case .slow(let seconds)?:
            try? await Task.sleep(nanoseconds: UInt64(seconds * 1e9))
        case .html?:
            return make(HTTPAnswer.proxyPage)
        case .status(let code)?:
            return make(faultStatus(code, route: route))
        default:
            break
        }

        var request = request
        let body: [UInt8]
        do {
            let buffer = try await request.collectBody(upTo: portal.options.maxBodyBytes)
            body = Array(buffer.readableBytesView)
        } catch {
            let tooLarge = RestError(413, "REQUEST_ENTITY_TOO_LARGE", "Request entity too large")
            return make(.json(413, portal.writer.bytes(tooLarge.body)))
        }

        let address = context.channel.remoteAddress?.ipAddress ?? "local"
        let input = IncomingRequest(method: request.method.rawValue, query: request.uri.query, body: body,
                                    contentType: request.headers[.contentType], address: address,
                                    idempotencyKey: request.headers[HTTPField.Name("Idempotency-Key")!],
                                    forwardedHTTPS: request.headers[HTTPField.Name("X-Forwarded-Proto")!] == "https")
        let answer: HTTPAnswer
        switch route {
        case .call(let call):
            if Self.mayScanALot(call.method) {
                // A filtered or sorted list over a million leads takes seconds; on the cooperative pool (one
                // thread per core) two of them would stall every other client, so they run on their own thread.
                answer = await withCheckedContinuation { continuation in
                    Self.scanQueue.async { continuation.resume(returning: RestEndpoint.handle(call, input, portal: portal)) }
                }
            } else {
                answer = RestEndpoint.handle(call, input, portal: portal)
            }
        case .oauthAuthorize: answer = OAuthServer.authorize(input, portal: portal)
        case .oauthToken: answer = OAuthServer.token(input, portal: portal)
        case .appHandler:
            // Doubles as an event handler endpoint: tests read what arrived through `Sandbox.handlerCalls`.
            portal.captured.withLock {
                $0.append(HandlerCall(path: request.uri.path, contentType: input.contentType ?? "",
                                      body: String(decoding: input.body, as: UTF8.self)))
            }
            answer = .text(200, "Sandbox app handler. Query: \(input.query ?? "")\n")
        case .notFound: answer = .text(404, "Not found\n")
        }

        switch fault {
        case .dropAfterRunning?:
            try? await context.channel.close()
            return Response(status: .ok)
        case .truncate?:
            let full = answer.body
            let half = Array(full.prefix(max(1, full.count / 2)))
            var headers = HTTPFields()
            headers[.contentType] = answer.contentType
            headers[.contentLength] = String(full.count)
            return Response(status: .init(code: answer.status), headers: headers,
                            body: ResponseBody(contentLength: full.count) { writer in
                                try await writer.write(ByteBuffer(bytes: half))
                                throw Truncated()
                            })
        case .hugeBody?:
            return make(hugeAnswer())
        default:
            return make(answer)
        }
    }

    private static let scanQueue = DispatchQueue(label: "sandbox.list-scans", attributes: .concurrent)

    /// List methods and batches can walk whole tables; everything else answers in microseconds.
    private static func mayScanALot(_ method: String) -> Bool {
        method.contains("list") || method == "batch" || method.hasSuffix(".get")
    }

    private func make(_ answer: HTTPAnswer) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = answer.contentType
        for (name, value) in answer.headers {
            if let field = HTTPField.Name(name) { headers[field] = value }
        }
        return Response(status: .init(code: answer.status), headers: headers,
                        body: ResponseBody(byteBuffer: ByteBuffer(bytes: answer.body)))
    }

    private func faultStatus(_ code: Int, route: Route) -> HTTPAnswer {
        let error: RestError
        switch code {
        case 503: error = .queryLimit
        case 500: error = .internalError
        case 429: error = .operationTimeLimit
        case 502, 504: return HTTPAnswer.proxyPage
        case 401: error = .noAuth
        default: error = RestError(code, "ERROR_UNEXPECTED_ANSWER", "Server returned an unexpected response")
        }
        portal.stats.error(error.codeText)
        return .json(code, portal.writer.bytes(error.body))
    }

    /// About 12 MB of valid JSON: a list of 60,000 small objects.
    private func hugeAnswer() -> HTTPAnswer {
        let item: JSONValue = ["ID": "1", "TITLE": .string(String(repeating: "x", count: 160))]
        let now = PortalClock.now()
        let output = MethodOutput(.array(Array(repeating: item, count: 60_000)), total: 60_000)
        return .json(200, portal.successBody(output, time: TimeInfo(start: now, finish: now, processing: 0), xml: false))
    }
}

/// The parts of a request the portal logic needs, free of Hummingbird types.
struct IncomingRequest {
    var method: String
    var query: String?
    var body: [UInt8]
    var contentType: String?
    var address: String
    var idempotencyKey: String?
    var forwardedHTTPS: Bool
}

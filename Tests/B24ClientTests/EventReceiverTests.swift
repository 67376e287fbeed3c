import AsyncHTTPClient
import B24Client
import B24Sandbox
import B24Wire
import Foundation
import NIOCore
import XCTest

/// The receiver over real HTTP on loopback, with a real SQLite store: what it accepts, stores and refuses.
final class EventReceiverTests: XCTestCase {
    private static let http = HTTPClient(eventLoopGroupProvider: .singleton)

    /// An OAuth profile that knows the sandbox's application token and member id, and a receiver for it.
    private func makeReceiver(_ env: ClientTestEnvironment, trusted: Bool = true,
                              configure: (inout EventReceiver.Configuration) -> Void = { _ in }) async throws
        -> (B24Client, EventReceiver, B24Store) {
        try env.saveOAuthProfile(name: "app")
        let authStore = AuthStore(paths: env.paths)
        if trusted {
            try authStore.setEventTrust(profile: "app", applicationToken: Secret(env.sandbox.applicationToken),
                                        memberID: env.sandbox.memberID)
        }
        let profile = try authStore.profile(named: "app")
        let client = try B24Client(profile: ResolvedProfile(profile: profile, isSaved: true), paths: env.paths,
                                   options: ClientTestEnvironment.fastOptions())
        var configuration = EventReceiver.Configuration()
        configure(&configuration)
        let store = try client.store()
        let receiver = EventReceiver(profile: profile, store: store, authStore: authStore, configuration: configuration)
        try await receiver.start()
        return (client, receiver, store)
    }

    private func post(_ url: URL, _ body: [UInt8], method: String = "POST") async throws -> (Int, String) {
        var request = HTTPClientRequest(url: url.absoluteString)
        request.method = .init(rawValue: method)
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        if method == "POST" { request.body = .bytes(ByteBuffer(bytes: body)) }
        let response = try await Self.http.execute(request, timeout: .seconds(10))
        let text = try await response.body.collect(upTo: 1 << 20)
        return (Int(response.status.code), String(buffer: text))
    }

    private func delivery(token: String, member: String, event: String = "ONCRMLEADADD", id: String = "7") -> [UInt8] {
        let form: JSONValue = [
            "event": .string(event), "event_handler_id": "3", "data": ["FIELDS": ["ID": .string(id)]], "ts": "1742807175",
            "auth": ["domain": "example", "member_id": .string(member), "application_token": .string(token),
                     "access_token": "secret-access-token-1234567890"],
        ]
        return Array(PHPForm.encode(form).utf8)
    }

    func testSandboxDeliveryIsStoredWithSecretsMaskedBeforeItIsAnnounced() async throws {
        let env = try await ClientTestEnvironment()
        defer { Task { await env.stop() } }
        let (client, receiver, store) = try await makeReceiver(env)
        try await EventBindings(client: client).bind(event: "ONCRMLEADADD", offline: false,
                                                     handler: receiver.url.absoluteString, authConnector: nil)
        var add = CallRequest(method: "crm.lead.add", params: ["fields": ["TITLE": "Заявка"]])
        add.confirmWrite = true
        let added = await client.call(add)
        let leadID = try XCTUnwrap(added.value?.intValue)
        var iterator = receiver.notices.makeAsyncIterator()
        let notice = await iterator.next()
        guard case .accepted(let event)? = notice else { return XCTFail("expected an accepted delivery, got \(String(describing: notice))") }
        XCTAssertEqual(event.event, "ONCRMLEADADD")
        XCTAssertEqual(event.entityID, String(leadID))
        let stored = try store.events(profile: "app", limit: 10)
        XCTAssertEqual(stored.map(\.entityID), [String(leadID)])
        let text = JSONWriter.compact(stored[0].payload)
        XCTAssertFalse(text.contains(env.sandbox.applicationToken), "the application token reached the store")
        XCTAssertTrue(text.contains("member_id"))
        await receiver.stop()
    }

    func testRefusesWrongTokenUnknownMemberMalformedAndOversizedBodiesAndStoresNothing() async throws {
        let env = try await ClientTestEnvironment()
        defer { Task { await env.stop() } }
        let (_, receiver, store) = try await makeReceiver(env) { $0.maxBodyBytes = 4096 }
        let url = receiver.url
        let token = env.sandbox.applicationToken, member = env.sandbox.memberID
        var status = try await post(url, delivery(token: token + "x", member: member))
        XCTAssertEqual(status.0, 403)
        XCTAssertTrue(status.1.contains("wrong application_token"), status.1)
        XCTAssertFalse(status.1.contains(token), "a refusal must not echo the token")
        status = try await post(url, delivery(token: String(token.dropLast()), member: member))
        XCTAssertEqual(status.0, 403)
        status = try await post(url, delivery(token: token, member: "0123456789abcdef"))
        XCTAssertEqual(status.0, 403)
        XCTAssertTrue(status.1.contains("unknown member_id"), status.1)
        status = try await post(url, Array("event=ONCRMLEADADD&data[FIELDS][ID]=%ZZ".utf8))
        XCTAssertEqual(status.0, 400)
        status = try await post(url, Array("data[FIELDS][ID]=1&auth[member_id]=x".utf8))
        XCTAssertEqual(status.0, 400, "a body without an event name is not a delivery")
        status = try await post(url, Array("event=ONCRMLEADADD&data[FIELDS][ID]=1".utf8))
        XCTAssertEqual(status.0, 400, "a delivery without auth")
        status = try await post(url, [0xFF, 0xFE, 0x3D])
        XCTAssertEqual(status.0, 400)
        status = try await post(url, Array(repeating: UInt8(ascii: "a"), count: 10_000))
        XCTAssertEqual(status.0, 413)
        status = try await post(url, [], method: "GET")
        XCTAssertEqual(status.0, 405)
        XCTAssertEqual(try store.events(profile: "app", limit: 10).count, 0, "a refused delivery must not be stored")
        // The right token still goes through after all that.
        status = try await post(url, delivery(token: token, member: member))
        XCTAssertEqual(status.0, 200)
        XCTAssertEqual(try store.events(profile: "app", limit: 10).count, 1)
        await receiver.stop()
    }

    func testWithoutAKnownTokenEveryDeliveryIsRefusedAndTheReasonIsGiven() async throws {
        let env = try await ClientTestEnvironment()
        defer { Task { await env.stop() } }
        let (_, receiver, store) = try await makeReceiver(env, trusted: false)
        XCTAssertNotNil(receiver.trustProblem)
        XCTAssertTrue(receiver.trustProblem?.contains("set-token") ?? false)
        let status = try await post(receiver.url, delivery(token: env.sandbox.applicationToken, member: env.sandbox.memberID))
        XCTAssertEqual(status.0, 403, "the first token seen must not be trusted")
        // Set by hand meanwhile (another process): the next delivery is accepted without a restart.
        try AuthStore(paths: env.paths).setEventTrust(profile: "app", applicationToken: Secret(env.sandbox.applicationToken),
                                                      memberID: env.sandbox.memberID)
        let again = try await post(receiver.url, delivery(token: env.sandbox.applicationToken, member: env.sandbox.memberID))
        XCTAssertEqual(again.0, 200)
        XCTAssertEqual(try store.events(profile: "app", limit: 10).count, 1)
        await receiver.stop()
    }

    func testFuzzedBodiesNeverCrashTheReceiver() async throws {
        let env = try await ClientTestEnvironment()
        defer { Task { await env.stop() } }
        let (_, receiver, store) = try await makeReceiver(env) { $0.maxBodyBytes = 64 * 1024 }
        var random = SystemRandomNumberGenerator()
        let pieces = ["event", "auth", "data", "[", "]", "[]", "=", "&", "%", "%00", "%FF", "+", "[FIELDS]", "[ID]",
                      "application_token", "member_id", "ONCRMLEADADD", "\u{1B}[2J", "Ж", "🙂", "[[[[", "]]]]", "%5B"]
        var statuses: [Int: Int] = [:]
        for round in 0..<400 {
            var body: [UInt8]
            switch round % 4 {
            case 0: body = (0..<Int.random(in: 0...300, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
            case 1: body = Array((0..<Int.random(in: 1...60, using: &random)).map { _ in pieces.randomElement(using: &random)! }.joined().utf8)
            case 2: body = Array(("event=X&" + String(repeating: "a[", count: Int.random(in: 50...3000, using: &random)) + "]=1").utf8)
            default:
                body = delivery(token: env.sandbox.applicationToken, member: env.sandbox.memberID)
                for _ in 0..<Int.random(in: 1...4, using: &random) {
                    body[Int.random(in: 0..<body.count, using: &random)] = UInt8.random(in: 0...255, using: &random)
                }
            }
            let (status, _) = try await post(receiver.url, body)
            XCTAssertTrue([200, 400, 403, 413].contains(status), "round \(round): status \(status)")
            statuses[status, default: 0] += 1
        }
        let (status, _) = try await post(receiver.url, delivery(token: env.sandbox.applicationToken, member: env.sandbox.memberID))
        XCTAssertEqual(status, 200, "the receiver still works after the fuzzing")
        XCTAssertEqual(try store.events(profile: "app", limit: 1000).count, (statuses[200] ?? 0) + 1)
        print("fuzzed bodies: \(statuses.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: ", "))")
        await receiver.stop()
    }
}

import B24Wire
import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
#if canImport(Glibc)
import Glibc
#endif

/// What happened to one POST that reached the receiver.
public enum ReceiverNotice: Sendable, Equatable {
    /// A trusted delivery, already stored.
    case accepted(ReceivedEvent)
    /// A delivery answered with `status` (400, 403, 413, 500) for `reason`; nothing was stored.
    case refused(status: Int, reason: String)
    /// ONAPPINSTALL delivered the application token, now kept with the profile.
    case installed(memberID: String)
}

/// Receives Bitrix24's form-encoded event POSTs on a local address (Hummingbird).
///
/// Each POST is read up to ``Configuration/maxBodyBytes`` (413 beyond), decoded with PHP-bracket form coding
/// (400 when it is not a delivery), checked (`auth[member_id]` against the profile, `auth[application_token]` in
/// constant time; 403 on a mismatch or while no token is known) and stored in SQLite; only then is it answered 200
/// and handed to ``notices``. Nothing a client sends can stop the receiver.
public final class EventReceiver: @unchecked Sendable {
    /// Where and how the receiver listens.
    public struct Configuration: Sendable {
        public var host = "127.0.0.1"
        /// 0 picks a free port.
        public var port = 0
        /// Largest accepted body.
        public var maxBodyBytes = 512 * 1024
        /// Act as the app's install handler: ONAPPINSTALL's `auth[application_token]` becomes the expected token
        /// (only while none is known, and only for the profile's member when one is known).
        public var acceptInstall = false

        public init() {}
    }

    public let configuration: Configuration
    /// Every accepted or refused POST, in arrival order.
    public let notices: AsyncStream<ReceiverNotice>
    private let continuation: AsyncStream<ReceiverNotice>.Continuation
    private let store: B24Store
    private let authStore: AuthStore?
    private let profileName: String
    private let trust: NSLock = NSLock()
    private var profile: Profile
    /// The profile file's mtime, size and inode when it was last read.
    private var lastReload = ""
    private var group: ServiceGroup?
    private var task: Task<Void, Never>?
    private var boundPort = 0

    /// - Parameters:
    ///   - authStore: where the profile is saved; the receiver re-reads the expected token from it when a delivery
    ///     fails the check (a token set meanwhile with `b24 profile set-token` counts at once) and stores the token of
    ///     an accepted ONAPPINSTALL. Nil for an unsaved profile.
    public init(profile: Profile, store: B24Store, authStore: AuthStore?, configuration: Configuration = Configuration()) {
        self.profile = profile
        profileName = profile.name
        self.store = store
        self.authStore = authStore
        self.configuration = configuration
        (notices, continuation) = AsyncStream<ReceiverNotice>.makeStream(bufferingPolicy: .bufferingNewest(100_000))
    }

    /// The handler URL to give Bitrix24 (`http://HOST:PORT/`); valid after ``start()``.
    public var url: URL {
        let host = configuration.host.contains(":") ? "[\(configuration.host)]" : configuration.host
        return URL(string: "http://\(host):\(boundPort)/")!
    }

    /// Binds the address and starts answering; returns the handler URL.
    @discardableResult
    public func start() async throws -> URL {
        let ready = LoginFlow.PortBox()
        var logger = Logger(label: "b24.receiver")
        logger.logLevel = .critical
        let app = Application(
            responder: ReceiverResponder(receiver: self),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: nil),
            onServerRunning: { channel in ready.set(channel.localAddress?.port ?? 0) },
            logger: logger)
        let group = ServiceGroup(configuration: .init(services: [app], gracefulShutdownSignals: [], logger: logger))
        self.group = group
        task = Task {
            do { try await group.run() } catch { ready.fail(error) }
        }
        do {
            boundPort = try await ready.wait(timeout: 10)
        } catch {
            task?.cancel()
            throw B24Error.usage("cannot listen for events on \(configuration.host):\(configuration.port): \(error)")
        }
        return url
    }

    /// Stops listening and ends ``notices``.
    public func stop() async {
        await group?.triggerGracefulShutdown()
        _ = await task?.value
        continuation.finish()
    }

    /// Why deliveries are refused right now, or nil when a token and a member id are known.
    public var trustProblem: String? {
        let profile = trust.withLock { self.profile }
        if profile.events?.applicationToken == nil {
            return "no application token is known for profile \(profileName): every delivery is refused (403) until "
                + "one is set with `b24 profile set-token \(profileName)`"
                + (configuration.acceptInstall ? " or ONAPPINSTALL arrives" : "")
        }
        if profile.expectedMemberID == nil {
            return "profile \(profileName) knows no member id: deliveries are refused (403) until one is set with "
                + "`b24 profile set-token \(profileName) --member-id ID`"
        }
        return nil
    }

    // MARK: Handling

    /// Answers one POST; `body` is nil when it was larger than the limit. Never throws.
    func handle(method: String, body: [UInt8]?, now: Date = Date()) -> (status: Int, text: String) {
        guard method == "POST" else { return (405, "b24 event receiver: POST Bitrix24 events here") }
        guard let body else {
            return refuse(413, "body larger than \(configuration.maxBodyBytes) bytes")
        }
        guard let text = String(validating: body, as: UTF8.self) else { return refuse(400, "body is not UTF-8") }
        let form: JSONValue
        do { form = try PHPForm.decode(text) } catch { return refuse(400, "body is not form-encoded: \(error.reason)") }
        guard let event = form["event"]?.stringValue, !event.isEmpty, event.count <= 200 else {
            return refuse(400, "not an event delivery (no event name)")
        }
        guard let auth = form["auth"]?.objectValue else { return refuse(400, "delivery of \(event.uppercased()) has no auth") }
        if let problem = check(event: event.uppercased(), auth: auth) { return refuse(403, problem) }
        let stored: ReceivedEvent
        do {
            stored = try store.recordEvent(ReceivedEvent.online(form, at: now), profile: profileName)
        } catch {
            return refuse(500, "could not store the delivery: \(error)")
        }
        continuation.yield(.accepted(stored))
        return (200, "ok")
    }

    private func refuse(_ status: Int, _ reason: String) -> (status: Int, text: String) {
        let clean = EventFields.stripControls(reason)
        continuation.yield(.refused(status: status, reason: clean))
        return (status, "b24: " + clean + "\n")
    }

    /// The reason a delivery is not trusted, or nil.
    private func check(event: String, auth: JSONObject) -> String? {
        let member = auth["member_id"]?.stringValue ?? ""
        let token = auth["application_token"]?.stringValue ?? ""
        var current = trust.withLock { profile }
        if current.events?.applicationToken == nil || current.expectedMemberID == nil
            || !matches(current, member: member, token: token), let saved = reloadProfile() {
            current = saved
        }
        if current.events?.applicationToken == nil, event == "ONAPPINSTALL", configuration.acceptInstall, !token.isEmpty,
           current.expectedMemberID.map({ EventFields.constantTimeEqual(member, $0) }) ?? !member.isEmpty {
            return adoptInstall(member: member, token: token)
        }
        guard let expectedMember = current.expectedMemberID else {
            return "profile \(profileName) knows no member id (b24 profile set-token \(profileName) --member-id ID)"
        }
        guard let expected = current.events?.applicationToken else {
            return "no application token known for profile \(profileName) (b24 profile set-token \(profileName))"
        }
        guard EventFields.constantTimeEqual(member, expectedMember) else { return "unknown member_id" }
        guard EventFields.constantTimeEqual(token, expected.reveal()) else { return "wrong application_token" }
        return nil
    }

    private func matches(_ profile: Profile, member: String, token: String) -> Bool {
        guard let expected = profile.events?.applicationToken, let expectedMember = profile.expectedMemberID else { return false }
        return EventFields.constantTimeEqual(member, expectedMember) && EventFields.constantTimeEqual(token, expected.reveal())
    }

    /// The saved profile, read again only when its file changed (a flood of bad deliveries costs a `stat` each,
    /// not a read and a parse).
    private func reloadProfile() -> Profile? {
        guard let authStore else { return nil }
        var info = stat()
        guard stat(authStore.paths.profilesFile.path, &info) == 0 else { return nil }
        let stamp = "\(info.st_mtim.tv_sec).\(info.st_mtim.tv_nsec).\(info.st_size).\(info.st_ino)"
        let changed = trust.withLock { () -> Bool in
            guard stamp != lastReload else { return false }
            lastReload = stamp
            return true
        }
        guard changed, let saved = try? authStore.profile(named: profileName) else { return nil }
        trust.withLock { profile = saved }
        return saved
    }

    /// Keeps ONAPPINSTALL's token; nil when it was stored (the delivery is then accepted like any other).
    private func adoptInstall(member: String, token: String) -> String? {
        do {
            try authStore?.setEventTrust(profile: profileName, applicationToken: Secret(token), memberID: member)
        } catch {
            return "could not keep the installation's application token: \(error)"
        }
        trust.withLock {
            var trust = profile.events ?? EventTrust()
            trust.applicationToken = Secret(token)
            trust.memberID = member
            profile.events = trust
        }
        continuation.yield(.installed(memberID: member))
        return nil
    }
}

/// The receiver's single HTTP entry point: any path, the body read up to the limit.
private struct ReceiverResponder: HTTPResponder {
    typealias Context = BasicRequestContext
    let receiver: EventReceiver

    func respond(to request: Request, context: BasicRequestContext) async throws -> Response {
        var request = request
        let limit = receiver.configuration.maxBodyBytes
        var body: [UInt8]?
        if let length = request.headers[.contentLength].flatMap(Int.init), length > limit {
            body = nil
        } else {
            do { body = Array(try await request.collectBody(upTo: limit).readableBytesView) } catch { body = nil }
        }
        let answer = receiver.handle(method: request.method.rawValue, body: body)
        return Response(status: .init(code: answer.status), headers: [.contentType: "text/plain; charset=utf-8"],
                        body: .init(byteBuffer: ByteBuffer(string: answer.text)))
    }
}

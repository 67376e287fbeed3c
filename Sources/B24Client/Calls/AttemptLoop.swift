import B24Catalog
import B24Wire
import Foundation

/// One call as it runs: its trace so far, folded from its events, and who hears them.
final class CallRun {
    var builder: TraceBuilder
    private let observers: [CallObserver]

    init(trace: CallTrace, observers: [CallObserver]) {
        builder = TraceBuilder(trace)
        self.observers = observers
    }

    var trace: CallTrace { builder.trace }

    /// Folds the event into the trace and tells every observer, in that order.
    func emit(_ event: CallEvent) {
        builder.apply(event)
        for observer in observers { observer(event) }
    }
}

extension B24Client {
    /// The attempt loop: operating budget, in-flight permit, leaky bucket, the request, then the retry policy's
    /// decision. Cancelling the task ends any wait at once; a read, or a write that provably did not run, ends as
    /// ``B24Error/cancelled(method:)``, while a write whose request may have run keeps the outcome-unknown rule.
    func send(_ request: CallRequest, isWrite: Bool, idempotencyKey: String?, run: CallRun) async -> Result<JSONValue, B24Error> {
        let method = request.method
        let cancelled = B24Error.cancelled(method: method)
        var attempt = 0
        var refreshed = false
        // A portal whose domain changed answers with a redirect; the request is re-sent once to the new address
        // (the old one ran nothing), and the trace says to update the profile.
        var target = profile
        var followedMove = false
        while true {
            attempt += 1
            if Task.isCancelled { return .failure(cancelled) }
            do {
                let operatingWait = budget.requiredWait(method: method.lowercased(), now: Date())
                if operatingWait > 0 {
                    guard operatingWait <= options.maxOperatingWait else {
                        return .failure(RetryPolicy.operatingBudgetSpent(method, wait: operatingWait))
                    }
                    run.emit(.waiting(CallWait(reason: .operatingReset, seconds: operatingWait,
                                               detail: "for the operating-time budget of \(method) to reset")))
                    try await Task.sleep(nanoseconds: UInt64(operatingWait * 1e9))
                }
                try await inFlight.acquire()
                do {
                    let portal = bucket.portal
                    _ = try await bucket.acquire { wait in
                        if wait > 0.0005 {
                            run.emit(.waiting(CallWait(reason: .limiter, seconds: wait, detail: "for the rate limiter of \(portal)")))
                        }
                    }
                } catch {
                    await inFlight.release()
                    throw error
                }
            } catch is CancellationError {
                return .failure(cancelled)
            } catch {
                return .failure((error as? B24Error) ?? .usage("limiter: \(error)"))
            }
            let oauth = oauthSnapshot()
            let httpRequest = RequestBuilder.build(
                profile: target, method: method, params: request.params, version: request.apiVersion,
                accessToken: oauth?.accessToken, idempotencyKey: idempotencyKey)
            let started = Date()
            run.emit(.attemptStarted(number: attempt))
            var status: Int?
            let outcome: Result<JSONValue, B24Error>
            do {
                if let key = idempotencyKey { ledger.markSent(key) }
                let response = try await transport.send(httpRequest)
                status = response.status
                if [301, 302, 303, 307, 308].contains(response.status) {
                    let moved = response.header("Location").flatMap { Self.portalBase(of: $0) }
                    if let moved, !followedMove, moved != target.portal {
                        followedMove = true
                        target = Self.moving(target, to: moved)
                        run.emit(.attemptAnswered(
                            number: attempt, httpStatus: response.status, errorCode: "PORTAL_MOVED",
                            duration: Date().timeIntervalSince(started),
                            note: "the portal moved to \(moved.host ?? "?"); update the profile (b24 profile add \(profile.name) … --replace)"))
                        run.emit(.decision(.followMove(host: moved.host ?? "?")))
                        attempt -= 1
                        await inFlight.release()
                        continue
                    }
                    throw B24Error.http(status: response.status, snippet: "redirect to \(moved?.host ?? "an unknown place"); the portal may have moved — check its address")
                }
                outcome = ResponseDecoder.decode(response)
                if case .success(let envelope) = outcome { recordOperating(envelope, method: method) }
                if case .failure(.portal(let error)) = outcome, let envelope = try? JSONParser.parse(response.body) {
                    recordOperating(envelope, method: method)
                    if error.isOperatingLimit {
                        let resetAt = envelope["time"]?["operating_reset_at"]?.doubleValue.map { Date(timeIntervalSince1970: $0) }
                        try? budget.markExhausted(method: method.lowercased(), resetAt: resetAt)
                    }
                }
            } catch {
                outcome = .failure((error as? B24Error) ?? .transport(.other, "\(error)"))
            }
            await inFlight.release()
            let duration = Date().timeIntervalSince(started)
            let error: B24Error
            switch outcome {
            case .success(let envelope):
                run.emit(.attemptAnswered(number: attempt, httpStatus: status, errorCode: nil, duration: duration, note: nil))
                run.emit(.decision(.done))
                return .success(envelope)
            case .failure(let failure):
                error = failure
            }
            var operatingWait: TimeInterval = 0
            if case .portal(let portal) = error {
                // Tell every b24 process on this machine that the portal's bucket is full.
                if portal.isRateLimited { try? bucket.markFull() }
                if portal.isOperatingLimit { operatingWait = budget.requiredWait(method: method.lowercased(), now: Date()) }
            }
            var decision = retryPolicy.decide(
                error, attempt: attempt, method: method, isWrite: isWrite, canRefresh: oauth != nil, refreshed: refreshed,
                profile: profile.name, operatingWait: operatingWait, backoffDelay: backoff.delay(attempt: attempt))
            // A cancelled call tries no more; a stop stands, so a write that may have run stays "outcome unknown".
            if Task.isCancelled, !decision.stops { decision = .stop(cancelled, why: "cancelled") }
            run.emit(.attemptAnswered(number: attempt, httpStatus: status, errorCode: error.auditCode, duration: duration,
                                      note: redactor.redact(error.message)))
            switch decision {
            case .stop(let final, let why):
                run.emit(.decision(.stop(reason: why)))
                return .failure(final)
            case .retry(let delay, let reason):
                run.emit(.decision(.retry(reason: reason)))
                if delay > 0 {
                    run.emit(.waiting(CallWait(reason: WaitReason(rawValue: reason) ?? .backoff, seconds: delay,
                                               detail: "before attempt \(attempt + 1) of \(method) (\(reason) after \(error.auditCode))")))
                    do { try await Task.sleep(nanoseconds: UInt64(delay * 1e9)) } catch { return .failure(cancelled) }
                }
            case .refresh:
                run.emit(.decision(.refresh))
                refreshed = true
                guard let oauth else { return .failure(error) }
                run.emit(.refreshStarted)
                // In a task of its own, so cancelling the call cannot cut a refresh off after the portal rotated the
                // refresh token but before the new pair was saved.
                let refresher = self.refresher, resolved = self.resolved
                let refresh = Task { try await refresher.fresh(after: oauth.accessToken, current: oauth, profile: resolved) }
                do {
                    let (fresh, how) = try await refresh.value
                    adopt(fresh)
                    run.emit(.refreshFinished(outcome: how, note: nil))
                } catch {
                    run.emit(.refreshFinished(outcome: "failed", note: redactor.redact("\(error)")))
                    return .failure(adviseLogin((error as? B24Error) ?? .loginRequired(profile: profile.name, reason: "token refresh failed")))
                }
            }
        }
    }

    /// Scheme, host and port of a redirect target.
    static func portalBase(of location: String) -> URL? {
        guard let components = URLComponents(string: location), let host = components.host, !host.isEmpty else { return nil }
        var base = URLComponents()
        base.scheme = components.scheme ?? "https"
        base.host = host
        base.port = components.port
        return base.url
    }

    /// The profile pointed at a portal's new address (the OAuth client endpoint moves with it).
    static func moving(_ profile: Profile, to portal: URL) -> Profile {
        var moved = profile
        moved.portal = portal
        if case .oauth(var oauth) = moved.auth, oauth.clientEndpoint != nil {
            oauth.clientEndpoint = portal.appendingPathComponent("rest")
            moved.auth = .oauth(oauth)
        }
        return moved
    }

    /// `b24 login` cannot help a profile that lives in environment variables; say what can.
    func adviseLogin(_ error: B24Error) -> B24Error {
        guard case .loginRequired(_, let reason) = error, !resolved.isSaved else { return error }
        return .loginRequired(profile: profile.name, reason: reason + "; set fresh B24_ACCESS_TOKEN and B24_REFRESH_TOKEN (or save an OAuth profile with `b24 profile add NAME --oauth`)")
    }

    private func recordOperating(_ envelope: JSONValue, method: String) {
        try? budget.record(timeOf: envelope, method: method.lowercased())
    }
}

extension RetryDecision {
    /// True when no attempt follows.
    var stops: Bool {
        if case .stop = self { return true }
        return false
    }
}

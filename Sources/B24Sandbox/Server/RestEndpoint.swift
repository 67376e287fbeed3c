import B24Wire

/// `/rest/...` calls: the v2 pipeline (and the REST 3.0 entry, which answers in the v3 error shape).
enum RestEndpoint {
    static func handle(_ route: CallRoute, _ request: IncomingRequest, portal: Portal) -> HTTPAnswer {
        if route.api == 3 { return RestV3Endpoint.handle(route, request, portal: portal) }
        func fail(_ error: RestError) -> HTTPAnswer {
            portal.stats.error(error.codeText)
            return .json(error.status, portal.errorBody(error, xml: route.xml))
        }
        if portal.options.requireHTTPS, !request.forwardedHTTPS { return fail(.httpsRequired) }
        let params: JSONValue
        do {
            params = try RequestParams.parse(query: request.query, body: request.body,
                                             contentType: request.contentType, jsonOnly: false)
        } catch {
            return fail(RestError(400, "INVALID_REQUEST", "Unable to parse request parameters"))
        }
        let now = PortalClock.now()
        let caller: Caller
        do { caller = try portal.resolveCaller(route: route, params: params, now: now) } catch let failure as RestError {
            return fail(failure)
        } catch { return fail(.internalError) }
        guard portal.limits.admit(address: request.address, now: now) else { return fail(.queryLimit) }
        switch portal.execute(method: route.method, params: params, caller: caller, inBatch: false) {
        case .success(let output, let time):
            var answer = HTTPAnswer.json(200, portal.successBody(output, time: time, xml: route.xml))
            if route.xml { answer.contentType = "text/xml; charset=utf-8" }
            return answer
        case .failure(let failure, _):
            var answer = HTTPAnswer.json(failure.status, portal.errorBody(failure, xml: route.xml))
            if route.xml { answer.contentType = "text/xml; charset=utf-8" }
            return answer
        }
    }
}

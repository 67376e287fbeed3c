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

/// `/rest/api/...` (REST 3.0): JSON-only bodies, query string ignored, errors as
/// `{"error":{"code","message","validation"}}`. No v3 methods are implemented yet, so authorized calls answer
/// ERROR_METHOD_NOT_FOUND.
enum RestV3Endpoint {
    static let prefix = "BITRIX_REST_V3_EXCEPTION_"

    static func v3Error(_ status: Int, _ code: String, _ message: String, portal: Portal) -> HTTPAnswer {
        portal.stats.error(code)
        let body: JSONValue = ["error": ["code": .string(code), "message": .string(message), "validation": []]]
        return .json(status, portal.writer.bytes(body))
    }

    static func handle(_ route: CallRoute, _ request: IncomingRequest, portal: Portal) -> HTTPAnswer {
        if portal.options.requireHTTPS, !request.forwardedHTTPS {
            return v3Error(400, "INVALID_REQUEST", "Https required", portal: portal)
        }
        let params: JSONValue
        do {
            params = try RequestParams.parse(query: nil, body: request.body, contentType: request.contentType,
                                             jsonOnly: true)
        } catch {
            return v3Error(400, prefix + "INVALIDJSONEXCEPTION", "Invalid JSON in request body", portal: portal)
        }
        let now = PortalClock.now()
        do {
            _ = try portal.resolveCaller(route: route, params: params, now: now)
        } catch let failure as RestError {
            return v3Error(failure.status, failure.codeText, failure.description, portal: portal)
        } catch {
            return v3Error(500, "INTERNAL_SERVER_ERROR", "Internal server error", portal: portal)
        }
        guard portal.limits.admit(address: request.address, now: now) else {
            return v3Error(503, "QUERY_LIMIT_EXCEEDED", "Too many requests", portal: portal)
        }
        portal.stats.call(route.method)
        return v3Error(404, "ERROR_METHOD_NOT_FOUND", "Method not found", portal: portal)
    }
}

import B24Sandbox
import B24Wire
import Foundation
import Testing

@Suite("Server core")
struct CoreTests {
    @Test func userCurrentEnvelope() async throws {
        try await withSandbox { (sandbox: Sandbox) async throws in
            let answer = try await call(sandbox.adminWebhookURL, "user.current")
            #expect(answer.status == 200)
            let json = try #require(answer.json)
            #expect(json["result"]?["ID"] == "1")
            #expect(json["result"]?["UF_DEPARTMENT"]?[0] == 1)
            let time = try #require(json["time"])
            for key in ["start", "finish", "duration", "processing", "date_start", "date_finish",
                        "operating_reset_at", "operating"] {
                #expect(time[key] != nil, "time.\(key)")
            }
            #expect(time["date_start"]?.stringValue?.hasSuffix("+00:00") == true)
        }
    }

    @Test func urlVariants() async throws {
        try await withSandbox { (sandbox: Sandbox) async throws in
            let base = sandbox.adminWebhookURL.absoluteString
            for suffix in ["user.current", "USER.CURRENT", "user.current.json", "user.current/",
                           "User.Current.json/?bx24_request_id=abc", "user.current?bx24_request_id=1"] {
                let answer = try await send(URL(string: base + suffix)!, method: "GET")
                #expect(answer.status == 200, "\(suffix)")
                #expect(answer.json?["result"]?["ID"] == "1", "\(suffix)")
            }
            let xml = try await send(URL(string: base + "profile.xml")!, method: "GET")
            #expect(xml.status == 200)
            #expect(xml.text.contains("<response><result>"))
        }
    }

    @Test func phpEscapesAndUnicode() async throws {
        try await withSandbox { (sandbox: Sandbox) async throws in
            let answer = try await call(sandbox.adminWebhookURL, "user.current")
            // PHP's json_encode escapes non-ASCII and slashes by default.
            #expect(answer.text.contains("\\u0410"))
            #expect(answer.json?["result"]?["NAME"] == "Анна")
        }
    }

    @Test func unknownMethodAndBadAuth() async throws {
        try await withSandbox { (sandbox: Sandbox) async throws in
            let missing = try await call(sandbox.adminWebhookURL, "no.such.method")
            #expect(missing.status == 404)
            #expect(missing.json == ["error": "ERROR_METHOD_NOT_FOUND", "error_description": "Method not found!"])
            let wrongCode = try await call(URL(string: sandbox.baseURL.absoluteString + "/rest/1/wrongcode/")!, "user.current")
            #expect(wrongCode.status == 401)
            #expect(wrongCode.json?["error"] == "NO_AUTH_FOUND")
            let wrongUser = sandbox.adminWebhookURL.absoluteString.replacingOccurrences(of: "/rest/1/", with: "/rest/2/")
            #expect(try await call(URL(string: wrongUser)!, "profile").status == 401)
            let noAuth = try await call(URL(string: sandbox.baseURL.absoluteString + "/rest/")!, "profile")
            #expect(noAuth.status == 401)
            #expect(noAuth.json?["error"] == "NO_AUTH_FOUND")
        }
    }

    @Test func scopesAndAppContext() async throws {
        try await withSandbox { (sandbox: Sandbox) async throws in
            let denied = try await call(sandbox.crmWebhookURL, "user.current")
            #expect(denied.status == 403)
            #expect(denied.json?["error"] == "insufficient_scope")
            #expect(try await call(sandbox.crmWebhookURL, "profile").json?["result"]?["ADMIN"] == false)
            let appInfo = try await call(sandbox.adminWebhookURL, "app.info")
            #expect(appInfo.status == 400)
            #expect(appInfo.json?["error"] == "ACCESS_DENIED")
            let scope = try await call(sandbox.crmWebhookURL, "scope")
            #expect(scope.json?["result"] == ["crm"])
        }
    }

    @Test func bodyEncodings() async throws {
        try await withSandbox { (sandbox: Sandbox) async throws in
            let url = URL(string: sandbox.adminWebhookURL.absoluteString + "method.get")!
            let form = try await send(url, .form("name=user.get"))
            #expect(form.json?["result"]?["isExisting"] == true)
            let query = try await send(URL(string: url.absoluteString + "?name=user.current")!, method: "GET")
            #expect(query.json?["result"]?["isExisting"] == true)
            let boundary = "XyZ123"
            let multipart = "--\(boundary)\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nprofile\r\n--\(boundary)--\r\n"
            let parts = try await send(url, .raw(multipart, contentType: "multipart/form-data; boundary=\(boundary)"))
            #expect(parts.json?["result"]?["isExisting"] == true)
            let broken = try await send(url, .raw("{\"name\": ", contentType: "application/json"))
            #expect(broken.status == 400)
            #expect(broken.json?["error"] != nil)
            let badForm = try await send(url, .form("name=%zz"))
            #expect(badForm.status == 400)
        }
    }

    @Test func oversizedBody() async throws {
        try await withSandbox(quietOptions { $0.maxBodyBytes = 1024 }) { (sandbox: Sandbox) async throws in
            let big = String(repeating: "a", count: 4096)
            let answer = try await send(URL(string: sandbox.adminWebhookURL.absoluteString + "profile")!,
                                        .form("x=\(big)"))
            #expect(answer.status == 413)
            #expect(answer.json?["error"] != nil)
        }
    }

    @Test func systemMethods() async throws {
        try await withSandbox { (sandbox: Sandbox) async throws in
            let base = sandbox.adminWebhookURL
            #expect(try await call(base, "server.time").json?["result"]?.stringValue?.count == 25)
            let feature = try await call(base, "feature.get")
            #expect(feature.status == 400)
            #expect(feature.json?["error"] == "CODE_EMPTY")
            #expect(try await call(base, "feature.get", ["CODE": "rest_offline_extended"]).json?["result"] == ["value": "Y"])
            let methods = try #require(try await call(base, "methods").json?["result"]?.arrayValue)
            #expect(methods.contains("user.current"))
            #expect(try await call(base, "method.get", ["name": ""]).json?["result"]?["isExisting"] == false)
            let events = try #require(try await call(base, "events").json?["result"]?.arrayValue)
            #expect(events.contains("ONCRMLEADADD"))
            let departments = try await call(base, "department.get", ["PARENT": 1])
            #expect(departments.json?["total"] == 5)
            let users = try await call(base, "user.get", ["FILTER": ["UF_DEPARTMENT": 2]])
            #expect(users.json?["total"] == 3)
            let sorted = try await call(base, "user.get", ["sort": "ID", "order": "DESC", "start": 5])
            #expect(sorted.json?["result"]?[0]?["ID"] == "5")
            #expect(sorted.json?["next"] == nil)
        }
    }
}

@Suite("REST 3.0 entry")
struct RestV3EntryTests {
    @Test func shapesAndJSONOnly() async throws {
        try await withSandbox { (sandbox: Sandbox) async throws in
            let hook = sandbox.adminWebhookURL.absoluteString.replacingOccurrences(of: "/rest/", with: "/rest/api/")
            let form = try await send(URL(string: hook + "tasks.task.get")!, .form("id=1"))
            #expect(form.status == 400)
            #expect(form.json?["error"]?["code"] == "BITRIX_REST_V3_EXCEPTION_INVALIDJSONEXCEPTION")
            let missing = try await send(URL(string: hook + "no.such.method")!, .json([:]))
            #expect(missing.status == 404)
            #expect(missing.json?["error"]?["code"] == "ERROR_METHOD_NOT_FOUND")
            #expect(missing.json?["result"] == nil)
            let badCode = try await send(URL(string: sandbox.baseURL.absoluteString + "/rest/api/1/nope/x")!, .json([:]))
            #expect(badCode.status == 401)
            #expect(badCode.json?["error"]?["code"] == "NO_AUTH_FOUND")
        }
    }
}

/// A finished HTTP answer before Hummingbird sees it.
struct HTTPAnswer {
    var status: Int
    var contentType: String = "application/json; charset=utf-8"
    var body: [UInt8]
    var headers: [(String, String)] = []

    static func json(_ status: Int, _ body: [UInt8]) -> HTTPAnswer { HTTPAnswer(status: status, body: body) }

    static func text(_ status: Int, _ text: String, type: String = "text/plain; charset=utf-8") -> HTTPAnswer {
        HTTPAnswer(status: status, contentType: type, body: Array(text.utf8))
    }

    static func redirect(_ location: String) -> HTTPAnswer {
        HTTPAnswer(status: 302, contentType: "text/html; charset=utf-8", body: [], headers: [("Location", location)])
    }

    /// What a reverse proxy in front of a portal sends when the backend is gone.
    static let proxyPage = HTTPAnswer.text(502, """
        <html>\r
        <head><title>502 Bad Gateway</title></head>\r
        <body>\r
        <center><h1>502 Bad Gateway</h1></center>\r
        <hr><center>nginx</center>\r
        </body>\r
        </html>\r

        """, type: "text/html")
}

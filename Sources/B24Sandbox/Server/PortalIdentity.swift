/// The portal's stable secrets and names, all derived from the seed so a banner is the same on every run.
/// Codes carry a `sbx` marker so nobody mistakes them for real portal secrets.
struct PortalIdentity: Sendable {
    let adminWebhookCode: String
    let crmWebhookCode: String
    let clientID: String
    let clientSecret: String
    let memberID: String
    let applicationToken: String

    init(seed: UInt64) {
        var random = SeededRandom(seed: seed ^ 0xB24_5A4D_B0C5)
        adminWebhookCode = "sbx" + random.token(length: 13)
        crmWebhookCode = "sbx" + random.token(length: 13)
        clientID = "local.sbx" + random.hex(length: 11) + "." + String(random.next() % 100_000_000 + 10_000_000)
        clientSecret = "sbx" + random.token(length: 47)
        memberID = random.hex(length: 32)
        applicationToken = "sbx" + random.hex(length: 29)
    }
}

import B24Wire
import Foundation

/// What an event delivery must carry to be believed, kept with the profile.
///
/// The application token comes from ONAPPINSTALL (when b24's receiver is the app's install handler) or is set by
/// hand with `b24 profile set-token`. A receiver never adopts the first token it sees: until one is known, every
/// delivery is refused.
public struct EventTrust: Codable, Sendable, Equatable {
    /// `auth[application_token]` of the portal's deliveries to this app or outgoing webhook.
    public var applicationToken: Secret?
    /// `auth[member_id]` of the portal (when the profile's OAuth login did not already tell it).
    public var memberID: String?

    public init(applicationToken: Secret? = nil, memberID: String? = nil) {
        self.applicationToken = applicationToken
        self.memberID = memberID
    }
}

extension Profile {
    /// The member id deliveries must carry: set with the token, else learned at OAuth login.
    public var expectedMemberID: String? {
        if let member = events?.memberID, !member.isEmpty { return member }
        if case .oauth(let oauth) = auth, let member = oauth.memberID, !member.isEmpty { return member }
        return nil
    }
}

extension AuthStore {
    /// Stores the application token (and member id, when given) deliveries to `profile` must carry.
    public func setEventTrust(profile name: String, applicationToken: Secret?, memberID: String?) throws {
        try update { file in
            guard var profile = file.profiles[name] else {
                throw B24Error.usage("no profile named '\(name)' (see b24 profile list)")
            }
            var trust = profile.events ?? EventTrust()
            if let applicationToken { trust.applicationToken = applicationToken }
            if let memberID { trust.memberID = memberID }
            profile.events = trust
            file.profiles[name] = profile
        }
    }
}

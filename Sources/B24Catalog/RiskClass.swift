/// How dangerous a REST call is, as used by confirmations and write plans.
///
/// Ordering (`<`) is by danger: `read < write < mixed < destructive`.
///
/// `mixed` is not a danger level of its own: it marks a method whose risk depends on what it is asked to do
/// (in the bundled catalog only `batch`). Resolve it from the commands with ``Catalog/risk(ofBatch:)``, which
/// takes the highest risk of the commands. When it cannot be resolved, `mixed` ranks above `write` (it may
/// change data) and below `destructive` (nothing destructive is known yet).
public enum RiskClass: String, Codable, CaseIterable, Comparable, Sendable, CustomStringConvertible {
    /// Reads data only.
    case read
    /// Creates or changes data.
    case write
    /// Depends on the commands the call carries (for example `batch`).
    case mixed
    /// Deletes data or removes configuration.
    case destructive

    /// Danger rank used for ordering: read 0, write 1, mixed 2, destructive 3.
    public var rank: Int {
        switch self {
        case .read: return 0
        case .write: return 1
        case .mixed: return 2
        case .destructive: return 3
        }
    }

    /// True for every class except `read`: the call may change the portal.
    public var mayChangeData: Bool { self != .read }

    public static func < (lhs: RiskClass, rhs: RiskClass) -> Bool { lhs.rank < rhs.rank }

    public var description: String { rawValue }

    /// The highest risk of a sequence (`read` when it is empty).
    public static func highest<S: Sequence>(_ risks: S) -> RiskClass where S.Element == RiskClass {
        risks.max() ?? .read
    }
}

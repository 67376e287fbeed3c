/// CRM records (placeholder until the CRM step lands).
final class CRMStore: @unchecked Sendable {
    init(seed: UInt64, leads: Int) {}
}

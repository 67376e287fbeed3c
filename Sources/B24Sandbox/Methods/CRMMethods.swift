enum CRMMethods {
    static func register(into registry: inout MethodRegistry) {}
}

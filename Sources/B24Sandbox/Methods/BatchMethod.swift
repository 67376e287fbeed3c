enum BatchMethod {
    static func register(into registry: inout MethodRegistry) {}
}

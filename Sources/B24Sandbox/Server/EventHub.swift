import B24Wire

extension Portal {
    /// Raises a task event (ONTASKADD/UPDATE/DELETE) for the task `id`.
    func raiseTaskEvent(_ event: String, id: Int, env: CallEnv) {}
}

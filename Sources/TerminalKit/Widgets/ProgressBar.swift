/// A progress bar as text, `████░░░░`: the done part filled, the rest shaded, always `width` cells wide (block
/// elements are one cell in every width table this kit knows). Drawn inline, e.g. as a span of a fact line.
public struct ProgressBar: Equatable, Sendable {
    /// Done, from 0 to 1 (clamped).
    public var fraction: Double
    public var width: Int

    public init(fraction: Double, width: Int) {
        self.fraction = fraction
        self.width = width
    }

    /// Cells filled: rounded down, so a bar is full only when the work is.
    public var filled: Int {
        let clamped = fraction.isFinite ? min(1, max(0, fraction)) : 0
        return min(max(0, width), Int(clamped * Double(max(0, width))))
    }

    public var text: String {
        String(repeating: "█", count: filled) + String(repeating: "░", count: max(0, width) - filled)
    }

    /// Draws the bar at `point` (done part in `done`, the rest in `rest`), clipped to `clip`.
    public func render(into screen: inout Screen, at point: Point, done: Style, rest: Style, clip: Rect? = nil) {
        let x = screen.put(String(repeating: "█", count: filled), at: point, style: done, clip: clip)
        screen.put(String(repeating: "░", count: max(0, width) - filled), at: Point(column: x, row: point.row), style: rest, clip: clip)
    }
}

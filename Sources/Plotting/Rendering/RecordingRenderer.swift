/// A renderer that records every primitive, for tests. Text is measured with a fixed-advance model
/// (0.6 em per character, ascent 0.76 em, descent 0.24 em), so layouts are deterministic without fonts.
public final class RecordingRenderer: Renderer {
    public enum Command: Sendable {
        case stroke(Path, StrokeStyle)
        case fill(Path, Color)
        case text(String, Point, FontSpec, angle: Double)
        case image(width: Int, height: Int, Rect)
        case pushClip(Rect)
        case popClip
        case beginGroup(String)
        case endGroup
    }
    public private(set) var commands: [Command] = []
    public init() {}

    public func stroke(_ path: Path, _ style: StrokeStyle) { commands.append(.stroke(path, style)) }
    public func fill(_ path: Path, _ color: Color) { commands.append(.fill(path, color)) }
    public func measure(_ text: String, _ font: FontSpec) -> TextExtents {
        TextExtents(width: 0.6 * font.size * Double(text.count), ascent: 0.76 * font.size, descent: 0.24 * font.size)
    }
    public func drawText(_ text: String, at origin: Point, font: FontSpec, color: Color, angle: Double) {
        commands.append(.text(text, origin, font, angle: angle))
    }
    public func drawImage(_ image: RasterImage, in rect: Rect) {
        commands.append(.image(width: image.width, height: image.height, rect))
    }
    public func pushClip(_ rect: Rect) { commands.append(.pushClip(rect)) }
    public func popClip() { commands.append(.popClip) }
    public func beginGroup(_ name: String) { commands.append(.beginGroup(name)) }
    public func endGroup() { commands.append(.endGroup) }

    /// The commands issued inside every group called `name` (nested groups included), in order.
    public func commands(inGroup name: String) -> [Command] {
        var result: [Command] = []
        var depth = 0
        var stack: [Bool] = []
        for c in commands {
            switch c {
            case .beginGroup(let n):
                stack.append(n == name)
                if n == name { depth += 1 }
            case .endGroup:
                if stack.popLast() == true { depth -= 1 }
            default:
                if depth > 0 { result.append(c) }
            }
        }
        return result
    }

    /// All strings drawn, in order.
    public var texts: [String] {
        commands.compactMap { if case .text(let s, _, _, _) = $0 { return s } else { return nil } }
    }
}

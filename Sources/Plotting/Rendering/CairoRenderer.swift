import CCairo
import Foundation

/// A `Renderer` drawing on a Cairo context (PNG image surface, SVG or PDF surface). Text uses
/// Cairo's toy API with DejaVu Sans; hint metrics are off so layout is identical in every format.
public final class CairoRenderer: Renderer {
    let cr: OpaquePointer
    private let fontOptions: OpaquePointer?
    public internal(set) var visibleRect: Rect?

    /// Wraps a context the caller created; the caller keeps ownership of surface and context.
    init(context: OpaquePointer) {
        cr = context
        fontOptions = cairo_font_options_create()
        cairo_font_options_set_hint_metrics(fontOptions, CAIRO_HINT_METRICS_OFF)
        cairo_font_options_set_hint_style(fontOptions, CAIRO_HINT_STYLE_NONE)
        cairo_font_options_set_antialias(fontOptions, CAIRO_ANTIALIAS_GRAY)
        cairo_set_font_options(cr, fontOptions)
        cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND)
    }
    deinit { cairo_font_options_destroy(fontOptions) }

    private func setColor(_ c: Color) { cairo_set_source_rgba(cr, c.r, c.g, c.b, c.a) }

    private func addPath(_ path: Path) {
        cairo_new_path(cr)
        for e in path.elements {
            switch e {
            case .move(let p): cairo_move_to(cr, p.x, p.y)
            case .line(let p): cairo_line_to(cr, p.x, p.y)
            case .arc(let c, let r, let s, let end):
                if end >= s { cairo_arc(cr, c.x, c.y, r, s, end) } else { cairo_arc_negative(cr, c.x, c.y, r, s, end) }
            case .close: cairo_close_path(cr)
            }
        }
    }

    public func stroke(_ path: Path, _ style: StrokeStyle) {
        addPath(path)
        setColor(style.color)
        cairo_set_line_width(cr, style.width)
        // Thin lines: round joins and caps are invisible but make Cairo's stroker several times slower.
        let thin = style.width < 1
        cairo_set_line_cap(cr, style.roundCaps && !thin ? CAIRO_LINE_CAP_ROUND : CAIRO_LINE_CAP_BUTT)
        cairo_set_line_join(cr, thin ? CAIRO_LINE_JOIN_BEVEL : CAIRO_LINE_JOIN_ROUND)
        cairo_set_antialias(cr, thin ? CAIRO_ANTIALIAS_FAST : CAIRO_ANTIALIAS_DEFAULT)
        if style.dash.isEmpty {
            cairo_set_dash(cr, nil, 0, 0)
        } else {
            style.dash.withUnsafeBufferPointer { cairo_set_dash(cr, $0.baseAddress, Int32($0.count), 0) }
        }
        cairo_stroke(cr)
    }

    public func fill(_ path: Path, _ color: Color) {
        addPath(path)
        setColor(color)
        cairo_fill(cr)
    }

    private func selectFont(_ font: FontSpec) {
        cairo_select_font_face(cr, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL,
                               font.bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL)
        cairo_set_font_size(cr, font.size)
    }

    public func measure(_ text: String, _ font: FontSpec) -> TextExtents {
        selectFont(font)
        var te = cairo_text_extents_t()
        var fe = cairo_font_extents_t()
        cairo_text_extents(cr, text, &te)
        cairo_font_extents(cr, &fe)
        // DejaVu's font ascent includes accents; 0.76 em covers digits and capitals with a little air.
        return TextExtents(width: te.x_advance, ascent: min(fe.ascent, 0.76 * font.size), descent: min(fe.descent, 0.24 * font.size))
    }

    public func drawText(_ text: String, at origin: Point, font: FontSpec, color: Color, angle: Double) {
        selectFont(font)
        setColor(color)
        cairo_save(cr)
        cairo_translate(cr, origin.x, origin.y)
        if angle != 0 { cairo_rotate(cr, angle) }
        cairo_move_to(cr, 0, 0)
        cairo_show_text(cr, text)
        cairo_restore(cr)
    }

    public func drawImage(_ image: RasterImage, in rect: Rect) {
        guard image.width > 0, image.height > 0 else { return }
        let stride = Int(cairo_format_stride_for_width(CAIRO_FORMAT_ARGB32, Int32(image.width)))
        guard let surface = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, Int32(image.width), Int32(image.height)) else { return }
        defer { cairo_surface_destroy(surface) }
        cairo_surface_flush(surface)
        guard let data = cairo_image_surface_get_data(surface) else { return }
        for row in 0..<image.height {
            let line = UnsafeMutableRawPointer(data + row * stride).assumingMemoryBound(to: UInt32.self)
            for col in 0..<image.width {
                let c = image.pixels[row * image.width + col]
                func q(_ v: Double) -> UInt32 { UInt32((min(max(v, 0), 1) * c.a * 255).rounded()) }
                let alpha = UInt32((min(max(c.a, 0), 1) * 255).rounded())
                line[col] = (alpha << 24) | (q(c.r) << 16) | (q(c.g) << 8) | q(c.b)
            }
        }
        cairo_surface_mark_dirty(surface)
        cairo_save(cr)
        cairo_rectangle(cr, rect.x, rect.y, rect.width, rect.height)
        cairo_clip(cr)
        cairo_translate(cr, rect.x, rect.y)
        cairo_scale(cr, rect.width / Double(image.width), rect.height / Double(image.height))
        cairo_set_source_surface(cr, surface, 0, 0)
        cairo_pattern_set_filter(cairo_get_source(cr), CAIRO_FILTER_NEAREST)
        cairo_pattern_set_extend(cairo_get_source(cr), CAIRO_EXTEND_PAD)
        cairo_paint(cr)
        cairo_restore(cr)
    }

    public func pushClip(_ rect: Rect) {
        cairo_save(cr)
        cairo_new_path(cr)
        cairo_rectangle(cr, rect.x, rect.y, rect.width, rect.height)
        cairo_clip(cr)
    }
    public func popClip() { cairo_restore(cr) }
}

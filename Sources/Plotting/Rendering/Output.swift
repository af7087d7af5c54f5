import CCairo
import Foundation

/// An output file format; the same `Figure` renders to each.
public enum OutputFormat: String, Sendable, CaseIterable {
    case png, svg, pdf
    public var fileExtension: String { rawValue }
}

/// Why a figure could not be written or drawn.
public enum PlotError: Error, Equatable, CustomStringConvertible {
    case cairo(String, path: String)
    case noPositiveData(axis: String, panel: String)
    case invalidInput(String)

    public var description: String {
        switch self {
        case .cairo(let status, let path): return "\(path): cannot write the figure (\(status))."
        case .noPositiveData(let axis, let panel):
            return "\(panel): the \(axis) axis is logarithmic but none of its values is positive; use a linear or symlog scale."
        case .invalidInput(let message): return message
        }
    }
}

extension Figure {
    /// Pixel size of a PNG of this figure at `dpi` (points are 1/72 inch): `round(size × dpi / 72)`.
    public func pixelSize(dpi: Double) -> (width: Int, height: Int) {
        (Int((width * dpi / 72).rounded()), Int((height * dpi / 72).rounded()))
    }

    /// Renders to `path` in `format`; `dpi` only matters for PNG. Returns the data warnings
    /// (e.g. points dropped from a log axis).
    @discardableResult
    public func write(to path: String, format: OutputFormat, dpi: Double = 150) throws -> [String] {
        let surface: OpaquePointer?
        switch format {
        case .png:
            let (w, h) = pixelSize(dpi: dpi)
            surface = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, Int32(w), Int32(h))
        case .svg:
            surface = cairo_svg_surface_create(path, width, height)
        case .pdf:
            surface = cairo_pdf_surface_create(path, width, height)
        }
        guard let surface else { throw PlotError.cairo("no surface", path: path) }
        defer { cairo_surface_destroy(surface) }
        try Self.check(cairo_surface_status(surface), path)
        guard let cr = cairo_create(surface) else { throw PlotError.cairo("no context", path: path) }
        defer { cairo_destroy(cr) }
        if format == .png { cairo_scale(cr, dpi / 72, dpi / 72) }
        let warnings: [String]
        do {
            let renderer = CairoRenderer(context: cr)
            warnings = try render(to: renderer)
        }
        try Self.check(cairo_status(cr), path)
        if format == .png {
            try Self.check(cairo_surface_write_to_png(surface, path), path)
        } else {
            cairo_surface_finish(surface)
            try Self.check(cairo_surface_status(surface), path)
        }
        return warnings
    }

    private static func check(_ status: cairo_status_t, _ path: String) throws {
        guard status == CAIRO_STATUS_SUCCESS else {
            throw PlotError.cairo(String(cString: cairo_status_to_string(status)), path: path)
        }
    }
}

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
        if format == .png && bandCount > 1 { return try writeBandedPNG(to: path, dpi: dpi, bands: bandCount) }
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

    /// The figure as an SVG document in memory (the same bytes `write(to:format: .svg)` puts in a file),
    /// for pages that inline their charts (`gradlab report`).
    public func svgDocument() throws -> String {
        /// The bytes Cairo streams out, gathered through the C callback's closure pointer.
        final class Sink { var bytes: [UInt8] = [] }
        let sink = Sink()
        let box = Unmanaged.passUnretained(sink).toOpaque()
        let write: cairo_write_func_t = { closure, data, length in
            guard let closure, let data else { return CAIRO_STATUS_WRITE_ERROR }
            Unmanaged<Sink>.fromOpaque(closure).takeUnretainedValue().bytes.append(contentsOf: UnsafeBufferPointer(start: data, count: Int(length)))
            return CAIRO_STATUS_SUCCESS
        }
        let label = "(in-memory SVG)"
        try withExtendedLifetime(sink) {
            guard let surface = cairo_svg_surface_create_for_stream(write, box, width, height) else { throw PlotError.cairo("no surface", path: label) }
            defer { cairo_surface_destroy(surface) }
            try Self.check(cairo_surface_status(surface), label)
            guard let cr = cairo_create(surface) else { throw PlotError.cairo("no context", path: label) }
            defer { cairo_destroy(cr) }
            _ = try render(to: CairoRenderer(context: cr))
            try Self.check(cairo_status(cr), label)
            cairo_surface_finish(surface)
            try Self.check(cairo_surface_status(surface), label)
        }
        return String(decoding: sink.bytes, as: UTF8.self)
    }

    /// Heavy figures (over 100,000 data points) render to PNG in horizontal bands on several threads.
    var bandCount: Int {
        var points = 0
        for axes in panels {
            for mark in axes.marks {
                switch mark {
                case .line(let m): points += m.xs.count
                case .scatter(let m): points += m.xs.count
                case .band(let m): points += m.xs.count
                default: break
                }
            }
        }
        return points > 100_000 ? min(4, max(1, ProcessInfo.processInfo.activeProcessorCount)) : 1
    }

    /// Renders the figure once per band, each into its own image surface translated to its rows, then stacks
    /// the bands. Each band's renderer reports its `visibleRect`, so solid lines skip the segments that lie
    /// wholly outside it (with a margin of the line width, so joins and caps at the cuts fall outside the band
    /// too). Bands meet at whole pixel rows, so the pixels match a single-surface render.
    func writeBandedPNG(to path: String, dpi: Double, bands: Int) throws -> [String] {
        let (w, h) = pixelSize(dpi: dpi)
        let rowsPerBand = (h + bands - 1) / bands
        /// Per-band results; each band writes only its own slot, under the lock.
        final class Results: @unchecked Sendable {
            private let lock = NSLock()
            private(set) var surfaces: [OpaquePointer?]
            private(set) var warnings: [[String]]
            private(set) var errors: [Error?]
            init(_ n: Int) { surfaces = Array(repeating: nil, count: n); warnings = Array(repeating: [], count: n); errors = Array(repeating: nil, count: n) }
            func store(_ b: Int, surface: OpaquePointer, warnings w: [String], error: Error?) {
                lock.lock(); defer { lock.unlock() }
                surfaces[b] = surface; warnings[b] = w; errors[b] = error
            }
        }
        let results = Results(bands)
        // Each band is drawn with `pad` extra rows above and below: Cairo's coverage at a surface's very edge
        // can differ slightly from the same pixels drawn mid-surface, so the seams stay away from surface edges.
        let pad = 8
        DispatchQueue.concurrentPerform(iterations: bands) { b in
            let y0 = b * rowsPerBand
            let bandHeight = max(0, min(rowsPerBand, h - y0))
            guard bandHeight > 0,
                  let surface = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, Int32(w), Int32(bandHeight + 2 * pad)) else { return }
            guard let cr = cairo_create(surface) else { cairo_surface_destroy(surface); return }
            defer { cairo_destroy(cr) }
            cairo_translate(cr, 0, -Double(y0 - pad))
            cairo_scale(cr, dpi / 72, dpi / 72)
            let renderer = CairoRenderer(context: cr)
            renderer.visibleRect = Rect(x: 0, y: Double(y0 - pad) * 72 / dpi, width: width, height: Double(bandHeight + 2 * pad) * 72 / dpi)
            var warnings: [String] = [], failure: Error?
            do { warnings = try render(to: renderer) } catch { failure = error }
            results.store(b, surface: surface, warnings: warnings, error: failure)
        }
        defer { for s in results.surfaces { if let s { cairo_surface_destroy(s) } } }
        if let error = results.errors.compactMap({ $0 }).first { throw error }
        guard let surface = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, Int32(w), Int32(h)) else {
            throw PlotError.cairo("no surface", path: path)
        }
        defer { cairo_surface_destroy(surface) }
        guard let cr = cairo_create(surface) else { throw PlotError.cairo("no context", path: path) }
        defer { cairo_destroy(cr) }
        cairo_set_operator(cr, CAIRO_OPERATOR_SOURCE)
        for (b, band) in results.surfaces.enumerated() {
            guard let band else { continue }
            // SOURCE within the band's own rows only (a plain paint would clear the rows outside it).
            let y0 = b * rowsPerBand
            cairo_set_source_surface(cr, band, 0, Double(y0 - pad))
            cairo_rectangle(cr, 0, Double(y0), Double(w), Double(min(rowsPerBand, h - y0)))
            cairo_fill(cr)
        }
        try Self.check(cairo_status(cr), path)
        try Self.check(cairo_surface_write_to_png(surface, path), path)
        return results.warnings.first ?? []
    }

    private static func check(_ status: cairo_status_t, _ path: String) throws {
        guard status == CAIRO_STATUS_SUCCESS else {
            throw PlotError.cairo(String(cString: cairo_status_to_string(status)), path: path)
        }
    }
}

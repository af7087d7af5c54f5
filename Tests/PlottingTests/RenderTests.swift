import Foundation
import Testing
@testable import Plotting

/// Data segments drawn in the "data" group and the legend box, from a recording.
private func legendAndData(_ r: RecordingRenderer) -> (legend: Rect?, segments: [(Point, Point)], plot: Rect?) {
    var legend: Rect?
    for case .fill(let path, _) in r.commands(inGroup: "legend") {
        let pts = path.polylines.flatMap { $0 }
        let xs = pts.map(\.x), ys = pts.map(\.y)
        legend = Rect(x: xs.min()!, y: ys.min()!, width: xs.max()! - xs.min()!, height: ys.max()! - ys.min()!)
        break
    }
    var segments: [(Point, Point)] = []
    for case .stroke(let path, _) in r.commands(inGroup: "data") {
        for line in path.polylines { for (a, b) in zip(line, line.dropFirst()) { segments.append((a, b)) } }
    }
    var plot: Rect?
    for case .pushClip(let rect) in r.commands { plot = rect; break }
    return (legend, segments, plot)
}

@Suite struct LegendPlacementTests {
    /// Lines crowd three corners of [0, 10]²; `free` (0 upper right, 1 upper left, 2 lower left, 3 lower right) stays empty.
    static func axes(freeCorner free: Int) -> Axes {
        let corners = [(8.0, 8.0), (0.0, 8.0), (0.0, 0.0), (8.0, 0.0)]
        var axes = Axes(title: "legend test", xLabel: "x", yLabel: "y")
        for (k, c) in corners.enumerated() where k != free {
            for j in 0..<5 {
                let xs = stride(from: c.0, through: c.0 + 2, by: 0.1).map { $0 }
                axes.line(LineMark(xs: xs, ys: xs.map { c.1 + Double(j) * 0.5 + 0.3 * sin(3 * $0) }, label: j == 0 ? "corner \(k)" : nil))
            }
        }
        axes.line(LineMark(xs: [4, 6], ys: [4, 6]))
        return axes
    }

    @Test(arguments: 0..<4)
    func legendNeverCoversDataWhenACornerIsFree(_ free: Int) throws {
        let r = RecordingRenderer()
        _ = try Figure(width: 420, height: 300, Self.axes(freeCorner: free)).render(to: r)
        let (legend, segments, plot) = legendAndData(r)
        let box = try #require(legend)
        let plotRect = try #require(plot)
        #expect(segments.count > 100)
        #expect(!segments.contains { box.intersectsSegment($0.0, $0.1) }, "legend \(box) covers data")
        // …and it sits inside the plot, in the free corner.
        #expect(plotRect.contains(Point(box.minX, box.minY)) && plotRect.contains(Point(box.maxX, box.maxY)))
        #expect((box.midX > plotRect.midX) == (free == 0 || free == 3))
        #expect((box.midY < plotRect.midY) == (free == 0 || free == 1))
    }

    @Test func legendGoesOutsideWhenEveryCornerHasData() throws {
        var axes = Self.axes(freeCorner: 0)
        axes.line(LineMark(xs: [8, 10], ys: [8, 10], label: "diagonal"))
        axes.line(LineMark(xs: [8, 10], ys: [10, 8]))
        let r = RecordingRenderer()
        _ = try Figure(width: 420, height: 300, axes).render(to: r)
        let (legend, _, plot) = legendAndData(r)
        let box = try #require(legend), plotRect = try #require(plot)
        #expect(box.minX > plotRect.maxX)
        #expect(box.maxX <= 420)
    }
}

@Suite struct LogAxisDataTests {
    @Test func nonPositiveValuesAreDroppedWithACountedWarning() throws {
        var axes = Axes(title: "loss", yScale: .log10)
        axes.line(LineMark(xs: [0, 1, 2, 3, 4, 5], ys: [1, 0.5, 0, -1, 0.1, 0.05]))
        let warnings = try Figure(axes).render(to: RecordingRenderer())
        #expect(warnings == ["panel 'loss': dropped 2 non-positive y values from the log axis."])
    }

    @Test func nothingPositiveIsRefused() {
        var axes = Axes(xScale: .log10)
        axes.scatter(ScatterMark(xs: [0, -1, -2], ys: [1, 2, 3]))
        #expect(throws: PlotError.noPositiveData(axis: "x", panel: "panel 1")) { try Figure(axes).render(to: RecordingRenderer()) }
    }
}

@Suite struct OutputFileTests {
    static func demoFigure() -> Figure {
        var axes = Axes(title: "a title", xLabel: "lag k", yLabel: "log_{10} ‖g‖", yScale: .log10)
        axes.line(LineMark(xs: [1, 2, 3, 4], ys: [1, 1e-3, 1e-6, 1e-9], label: "vanishing & <escaped>"))
        return Figure(width: 300, height: 200, axes, title: "Output \"test\"")
    }

    static func tempPath(_ ext: String) -> String {
        NSTemporaryDirectory() + "gradlab-plot-test-\(UUID().uuidString).\(ext)"
    }

    @Test(arguments: [72.0, 144, 200, 300])
    func pngHasTheRequestedPixelSize(_ dpi: Double) throws {
        let path = Self.tempPath("png")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Self.demoFigure().write(to: path, format: .png, dpi: dpi)
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        #expect(bytes.count > 33)
        #expect(Array(bytes[0..<8]) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        #expect(String(decoding: bytes[12..<16], as: UTF8.self) == "IHDR")
        func be32(_ i: Int) -> Int { bytes[i..<(i + 4)].reduce(0) { $0 << 8 | Int($1) } }
        #expect(be32(16) == Int((300 * dpi / 72).rounded()))
        #expect(be32(20) == Int((200 * dpi / 72).rounded()))
    }

    @Test func svgParsesAsXML() throws {
        let path = Self.tempPath("svg")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Self.demoFigure().write(to: path, format: .svg)
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        let parser = XMLParser(data: data)
        let delegate = RootElement()
        parser.delegate = delegate
        #expect(parser.parse(), "\(String(describing: parser.parserError))")
        #expect(delegate.root == "svg")
    }

    @Test func pdfIsWritten() throws {
        let path = Self.tempPath("pdf")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Self.demoFigure().write(to: path, format: .pdf)
        let head = try Data(contentsOf: URL(fileURLWithPath: path)).prefix(5)
        #expect(String(decoding: head, as: UTF8.self) == "%PDF-")
    }

    @Test func unwritablePathIsAnError() {
        #expect(throws: PlotError.self) { try Self.demoFigure().write(to: "/nonexistent-dir/x.png", format: .png) }
    }
}

#if canImport(FoundationXML)
import FoundationXML
#endif

final class RootElement: NSObject, XMLParserDelegate {
    var root: String?
    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
        if root == nil { root = name }
    }
}

@Suite struct TickLabelFitTests {
    /// Long labels on a narrow panel: x tick labels are thinned until they no longer overlap.
    @Test func xTickLabelsNeverOverlap() throws {
        var axes = Axes(xLabel: "x", yLabel: "y")
        axes.line(LineMark(xs: [1e6, 1e6 + 1], ys: [0, 1]))
        let r = RecordingRenderer()
        _ = try Figure(width: 200, height: 150, axes).render(to: r)
        let font = FontSpec(size: Theme.standard.tickLabelSize)
        // Tick labels are the "×10" runs; each is centred on its tick.
        var spans: [(Double, Double)] = []
        for case .text(let s, let origin, let f, _) in r.commands(inGroup: "axis") where s.hasSuffix("×10") && f == font {
            let w = r.measure(s, f).width + r.measure("6", FontSpec(size: f.size * Label.scriptScale)).width
            spans.append((origin.x, origin.x + w))
        }
        #expect(spans.count >= 2)
        for (a, b) in zip(spans, spans.dropFirst()) { #expect(a.1 <= b.0, "labels overlap: \(a) \(b)") }
    }
}

@Suite struct BandedPNGTests {
    /// The multi-threaded banded PNG (with segment culling) has exactly the pixels of a single-surface render.
    @Test(arguments: [2, 3])
    func bandsMatchASingleSurface(_ bands: Int) throws {
        var axes = Axes(title: "bands", xLabel: "x", yLabel: "y")
        let xs = (0..<150).map(Double.init)
        for i in 0..<60 {
            let ys = xs.map { sin($0 * 0.05 * Double(i % 7 + 1)) * Double(i) + cos($0 * 0.3) * 5 }
            axes.line(LineMark(xs: xs, ys: ys, color: Palette.categorical(i).withAlpha(0.4), width: i % 3 == 0 ? 1.5 : 0.6,
                               dash: i % 10 == 0 ? Dash.dashed : [], label: i == 0 ? "first" : nil))
        }
        let figure = Figure(width: 300, height: 211, axes)
        #expect(figure.bandCount == 1)
        let single = OutputFileTests.tempPath("png"), banded = OutputFileTests.tempPath("png")
        defer { try? FileManager.default.removeItem(atPath: single); try? FileManager.default.removeItem(atPath: banded) }
        try figure.write(to: single, format: .png, dpi: 137)
        _ = try figure.writeBandedPNG(to: banded, dpi: 137, bands: bands)
        let a = try Data(contentsOf: URL(fileURLWithPath: single)), b = try Data(contentsOf: URL(fileURLWithPath: banded))
        #expect(a.count > 1000)
        let identical = a == b   // a Bool: a failing Data comparison would make the test library diff megabytes
        #expect(identical, "banded PNG (\(b.count) bytes) differs from the single-surface PNG (\(a.count) bytes)")
    }
}

import Foundation
import Testing
@testable import Plotting

@Suite struct ContourTests {
    @Test func linearFieldGivesAStraightIsoLine() {
        let nx = 6, ny = 4
        let values = (0..<ny).flatMap { _ in (0..<nx).map { Double($0) - 2.5 } }
        let segs = contourSegments(values: values, nx: nx, ny: ny, level: 0)
        #expect(segs.count == ny - 1)
        for (a, b) in segs { #expect(a.x == 2.5 && b.x == 2.5) }
    }

    @Test func circleIsTracedWithinInterpolationError() {
        let n = 41, r = 12.0
        var values: [Double] = []
        for j in 0..<n { for i in 0..<n { let x = Double(i) - 20, y = Double(j) - 20; values.append((x * x + y * y).squareRoot() - r) } }
        let segs = contourSegments(values: values, nx: n, ny: n, level: 0)
        #expect(segs.count > 60)
        for (a, _) in segs {
            let d = ((a.x - 20) * (a.x - 20) + (a.y - 20) * (a.y - 20)).squareRoot()
            #expect(abs(d - r) < 0.05)
        }
    }

    @Test func saddleCellGivesTwoSegmentsAndNaNCellsNone() {
        #expect(contourSegments(values: [1, -1, 1, -1], nx: 2, ny: 2, level: 0).count == 1)
        #expect(contourSegments(values: [1, -1, -1, 1], nx: 2, ny: 2, level: 0).count == 2)
        #expect(contourSegments(values: [1, .nan, -1, 1], nx: 2, ny: 2, level: 0).isEmpty)
    }
}

@Suite struct ColorTests {
    @Test func colormapsInterpolateAndClamp() {
        #expect(Colormap.viridis.color(at: 0) == Colormap.viridis.anchors[0])
        #expect(Colormap.viridis.color(at: 2) == Colormap.viridis.anchors.last!)
        let mid = Colormap.blueWhiteRed.color(at: 0.5)
        #expect(abs(mid.r - 0xf7 / 255.0) < 1e-12 && abs(mid.b - 0xf7 / 255.0) < 1e-12)
        #expect(Colormap.blueWhiteRed.color(at: 0).b > 0.3 && Colormap.blueWhiteRed.color(at: 1).r > 0.35)
        #expect(Colormap.viridis.color(at: .nan) == .gray(0.75))
    }

    /// Perceptual maps get lighter monotonically (luma as a proxy for lightness).
    @Test(arguments: [Colormap.viridis, .magma, .cividis])
    func sequentialMapsIncreaseInLightness(_ map: Colormap) {
        let luma = map.anchors.map { 0.2126 * $0.r + 0.7152 * $0.g + 0.0722 * $0.b }
        for (a, b) in zip(luma, luma.dropFirst()) { #expect(b > a) }
    }

    @Test func divergingNormIsCentred() {
        let n = ColorNorm.diverging([-3, 1, 2], center: 0)
        #expect(n.t(0) == 0.5 && n.t(-3) == 0 && n.t(3) == 1)
        #expect(ColorNorm.log(lo: 1e-3, hi: 10).t(1e-1) == 0.5)
        #expect(ColorNorm.log(lo: 1, hi: 10).t(-1).isNaN)
    }

    /// Twelve distinct categorical colours (Okabe–Ito, then four of Tol's), then the cycle repeats.
    @Test func categoricalPaletteHasTwelveDistinctColours() {
        #expect(Palette.categorical(0) == Color(hex: 0x0072B2))
        #expect(Palette.categorical(8) == Color(hex: 0x882255))
        let twelve = (0..<12).map(Palette.categorical)
        for i in 0..<12 { for j in (i + 1)..<12 { #expect(twelve[i] != twelve[j], "\(i) and \(j)") } }
        #expect(Palette.categorical(12) == Palette.categorical(0) && Palette.categorical(-1) == Palette.categorical(11))
    }
}

@Suite struct LabelAndHistogramTests {
    @Test func markupMakesSuperAndSubscripts() {
        let l = Label("log_{10} x^{2} + y")
        #expect(l.runs == [.init("log"), .init("10", .subscript), .init(" x"), .init("2", .superscript), .init(" + y")])
        #expect(Label("a_b ^{").runs == [.init("a_b ^{")])
    }

    @Test func superscriptRaisesTheAscent() {
        let r = RecordingRenderer()
        let plain = Label("10").measure(r, FontSpec(size: 10))
        let power = Label("10^{-3}").measure(r, FontSpec(size: 10))
        #expect(power.ascent > plain.ascent)
        #expect(power.width > plain.width)
    }

    @Test func densityHistogramHasUnitArea() {
        let values = (0..<1000).map { sin(Double($0)) }
        let (edges, heights) = HistogramMark(values: values, bins: 17, density: true).binned()
        let area = zip(heights, zip(edges, edges.dropFirst())).map { $0 * ($1.1 - $1.0) }.reduce(0, +)
        #expect(abs(area - 1) < 1e-12)
        let (_, counts) = HistogramMark(values: values, bins: 17, density: false).binned()
        #expect(counts.reduce(0, +) == 1000)
    }

    /// The quarter-circle density integrates to 1 and its second moment is σ² (E[s²] = tr(WWᵀ)/N).
    @Test(arguments: [0.5, 1.0, 3.0])
    func quarterCircleLawMoments(_ sigma: Double) {
        let n = 200_000
        let h = 2 * sigma / Double(n)
        var mass = 0.0, second = 0.0
        for i in 0..<n {
            let s = (Double(i) + 0.5) * h
            let p = QuarterCircleLaw.density(s, sigma: sigma)
            mass += p * h; second += s * s * p * h
        }
        #expect(abs(mass - 1) < 1e-6)
        #expect(abs(second - sigma * sigma) < 1e-6 * sigma * sigma)
    }
}

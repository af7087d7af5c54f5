import Foundation
import Testing
@testable import Plotting

/// Properties every linear tick set must have, over a table of awkward ranges.
@Suite struct LinearTickTests {
    static let ranges: [(Double, Double)] = [
        (0, 1), (-3.7, 12.2), (1e-300, 1e-270), (-1e-9, 1e-9), (0.8, 1.2), (-7, -3),
        (1e6, 1e6 + 1), (-1e300, 1e300), (-1.7e308, 1.7e308), (123.456, 123.457), (0, 1e-320),
    ]

    @Test(arguments: ranges)
    func niceEvenlySpacedInside(_ range: (Double, Double)) throws {
        let (lo, hi) = range
        let t = TickLocator.linear(lo, hi)
        #expect(t.major.count >= 2 && t.major.count <= 12, "\(t.major.count) ticks for [\(lo), \(hi)]")
        let step = try #require(t.step)
        let exponent = floor(log10(step))
        let mantissa = step / pow(10, exponent)
        #expect([1, 2, 2.5, 5].contains { abs($0 - mantissa) < 1e-9 }, "step \(step) is not 1, 2, 2.5 or 5 × 10ⁿ")
        let tol = (hi / 2 - lo / 2) * 1e-9
        for v in t.major {
            #expect(v.isFinite)
            #expect(v >= lo - tol && v <= hi + tol, "tick \(v) outside [\(lo), \(hi)]")
        }
        for (a, b) in zip(t.major, t.major.dropFirst()) {
            #expect(abs((b - a) - step) <= abs(step) * 1e-6, "uneven spacing \(b - a) vs \(step)")
        }
        let labels = TickFormatter.labels(t, scale: .linear).map(\.plainText)
        #expect(Set(labels).count == labels.count, "duplicate labels \(labels)")
        #expect(labels.allSatisfy { !$0.isEmpty && !$0.contains("-") && !$0.contains("nan") && !$0.contains("inf") })
    }

    @Test(arguments: [0.0, 5.0, -2e-300, 1e300])
    func zeroWidthRangeIsWidenedToTwoOrMoreTicks(_ v: Double) {
        #expect(TickLocator.linear(v, v).major == [v])
        var e = Extent(); e.add(v)
        let d = displayDomain(e, scale: .linear, pad: true)
        #expect(d.lo < v && d.hi > v)
        #expect(TickLocator.linear(d.lo, d.hi).major.count >= 2)
    }

    @Test func handPickedExamples() {
        #expect(TickFormatter.labels(TickLocator.linear(0.8, 1.2), scale: .linear).map(\.plainText) == ["0.8", "0.9", "1.0", "1.1", "1.2"])
        #expect(TickLocator.linear(0, 10).major == [0, 2, 4, 6, 8, 10])
        #expect(TickFormatter.labels(TickLocator.linear(0, 10, target: 4), scale: .linear).map(\.plainText) == ["0.0", "2.5", "5.0", "7.5", "10.0"])
        let tiny = TickLocator.linear(-1e-9, 1e-9)
        #expect(tiny.major.contains(0))
        let labels = TickFormatter.labels(tiny, scale: .linear)
        #expect(labels.map(\.plainText).contains("0"))
        #expect(labels.first?.runs.last == Label.Run("−9", .superscript))
        #expect(labels.first?.plainText == "−1.0×10−9")
    }

    @Test func decimalsFollowTheStep() {
        #expect(TickFormatter.decimals(forStep: 0.25) == 2)
        #expect(TickFormatter.decimals(forStep: 2.5) == 1)
        #expect(TickFormatter.decimals(forStep: 25) == 0)
        #expect(TickFormatter.decimals(forStep: 0.1) == 1)
        #expect(TickFormatter.decimals(forStep: 5e-4) == 4)
    }
}

@Suite struct LogTickTests {
    static let ranges: [(Double, Double)] = [
        (1e-3, 1e3), (1e-30, 1), (1e-300, 1e-270), (1e-15, 1e15), (2, 8), (0.3, 40), (1, 1e300), (5e-324, 1e-300),
    ]

    @Test(arguments: ranges)
    func decadesInsideAtMostEightLabelled(_ range: (Double, Double)) {
        let (lo, hi) = range
        let t = TickLocator.log(lo, hi)
        #expect(t.major.count >= 2 && t.major.count <= 8, "\(t.major) for [\(lo), \(hi)]")
        for v in t.major + t.minor { #expect(v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9), "tick \(v) outside") }
        let labels = TickFormatter.labels(t, scale: .log10).map(\.plainText)
        #expect(Set(labels).count == labels.count, "duplicate labels \(labels)")
        if log10(hi / lo) >= 2 {
            // Every major is an exact decade labelled 10ⁿ with the exponent as a superscript.
            for (v, label) in zip(t.major, TickFormatter.labels(t, scale: .log10)) {
                let n = log10(v).rounded()
                #expect(v == TickLocator.pow10(Int(n)))
                #expect(label.runs.count == 2 && label.runs[0].text == "10" && label.runs[1].position == .superscript)
                #expect(label.runs[1].text == TickFormatter.signed(String(Int(n))))
            }
        }
    }

    @Test func minorTicksAtTwoToNineWhenEveryDecadeIsLabelled() {
        let t = TickLocator.log(1e-3, 1e3)
        #expect(t.major.count == 7)
        #expect(t.minor.count == 6 * 8)
        #expect(t.minor.contains(2e-3) && t.minor.contains(9e2))
    }

    @Test func thirtyDecadesAreThinnedToEveryFifth() {
        let t = TickLocator.log(1e-30, 1)
        #expect(t.major.map { Int(log10($0).rounded()) } == [-30, -25, -20, -15, -10, -5, 0])
        #expect(t.minor.count == 31 - 7)   // the skipped decades
    }

    @Test func symlogHasZeroAndSignedDecades() {
        let t = TickLocator.symlog(-1000, 1000, linearThreshold: 1)
        #expect(t.major == [-1000, -100, -10, -1, 0, 1, 10, 100, 1000])
        let labels = TickFormatter.labels(t, scale: .symlog(linearThreshold: 1)).map(\.plainText)
        #expect(labels.first == "−103" && labels[4] == "0")
    }

    @Test(arguments: [ScaleKind.linear, .log10, .symlog(linearThreshold: 0.5)])
    func scalesInvertTheirTransform(_ scale: ScaleKind) {
        for x in [1e-8, 0.3, 0.5, 2, 7e5] + (scale.isLog ? [] : [-3.0, 0, -0.2]) {
            #expect(abs(scale.inverse(scale.forward(x)) - x) <= abs(x) * 1e-12)
        }
    }
}

@Suite("Integer ticks")
struct IntegerTickTests {
    @Test func wholeNumbersOnly() {
        #expect(TickLocator.integer(-0.5, 0.5).major == [0])
        #expect(TickLocator.integer(-0.5, 1.5).major == [0, 1])
        #expect(TickLocator.integer(-0.5, 7.5).major == [0, 2, 4, 6])
        #expect(TickLocator.integer(-0.5, 3.5).major == [0, 1, 2, 3])
        #expect(TickLocator.integer(0, 30).major == [0, 5, 10, 15, 20, 25, 30])
        #expect(TickLocator.integer(0, 1000).major.allSatisfy { $0 == $0.rounded() })
        #expect(TickLocator.integer(0.2, 0.8).major.isEmpty)
    }
}

import Foundation
import Linalg
import Testing
@testable import Training

@Suite struct ClippingTests {
    func grads(_ a: [[Double]], _ b: [[Double]]) throws -> [Matrix] { [try Matrix(a), try Matrix(b)] }

    /// ‖(3, 0, 0, 0, 4, 0)‖ = 5, max_norm 1: coef = 1/(5 + 1e−6).
    @Test func globalNormHandComputed() throws {
        var g = try grads([[3, 0], [0, 0]], [[4], [0]])
        let report = try GradientClipping.globalNorm(maxNorm: 1, nonFinite: .error).apply(to: &g)
        let coef = 1 / (5 + 1e-6)
        #expect(report.normBefore == 5 && report.clipped && !report.skipStep)
        #expect(abs(g[0][0, 0] - 3 * coef) < 1e-16 && abs(g[1][0, 0] - 4 * coef) < 1e-16)
        #expect(abs(report.normAfter - 5 * coef) < 1e-15)
    }

    /// total == max_norm still scales, by max_norm/(max_norm + 1e−6), as PyTorch does.
    @Test func totalEqualToMaxNorm() throws {
        var g = try grads([[3, 0]], [[4]])
        let report = try GradientClipping.globalNorm(maxNorm: 5, nonFinite: .error).apply(to: &g)
        #expect(report.clipped)
        #expect(abs(g[0][0, 0] - 3 * 5 / (5 + 1e-6)) < 1e-16)
        var small = try grads([[0.3, 0]], [[0.4]])
        let r2 = try GradientClipping.globalNorm(maxNorm: 1, nonFinite: .error).apply(to: &small)
        #expect(!r2.clipped && small[0][0, 0] == 0.3 && r2.normAfter == r2.normBefore)
    }

    @Test func matchesPyTorchFixtures() throws {
        let fixture = try loadJSON("clipping.json")
        for entry in fixture["cases"] as? [[String: Any]] ?? [] {
            var g = try (entry["gradients"] as? [Any] ?? []).map(matrix)
            let expected = try (entry["clipped"] as? [Any] ?? []).map(matrix)
            if let maxNorm = (entry["max_norm"] as? NSNumber)?.doubleValue {
                let report = try GradientClipping.globalNorm(maxNorm: maxNorm, nonFinite: .followPyTorch).apply(to: &g)
                let total = (entry["total"] as? NSNumber)?.doubleValue ?? .nan
                #expect(abs(report.normBefore - total) < 1e-14)
            } else {
                let c = (entry["clip_value"] as? NSNumber)?.doubleValue ?? .nan
                _ = try GradientClipping.value(c).apply(to: &g)
            }
            #expect(maxAbsDifference(g, expected) < 1e-15, "\(entry["name"] ?? "")")
        }
    }

    @Test func infiniteTotal() throws {
        let original = try grads([[.infinity, 1]], [[2]])
        var g = original
        #expect(throws: ClippingError.nonFiniteNorm(.infinity)) {
            try GradientClipping.globalNorm(maxNorm: 1, nonFinite: .error).apply(to: &g)
        }
        #expect(g == original)
        let skip = try GradientClipping.globalNorm(maxNorm: 1, nonFinite: .skipStep).apply(to: &g)
        #expect(skip.skipStep && skip.normBefore == .infinity && g == original)
        // PyTorch: coef = 1/(∞ + 1e−6) = 0, so finite entries become 0 and ∞·0 = NaN.
        let follow = try GradientClipping.globalNorm(maxNorm: 1, nonFinite: .followPyTorch).apply(to: &g)
        #expect(follow.clipped && !follow.skipStep)
        #expect(g[0][0, 0].isNaN && g[0][0, 1] == 0 && g[1][0, 0] == 0)
    }

    @Test func nanTotal() throws {
        var g = try grads([[.nan, 1]], [[.infinity]])
        #expect(globalNorm(g).isNaN)
        #expect(throws: ClippingError.self) { try GradientClipping.globalNorm(maxNorm: 1, nonFinite: .error).apply(to: &g) }
        _ = try GradientClipping.globalNorm(maxNorm: 1, nonFinite: .followPyTorch).apply(to: &g)
        #expect(g.allSatisfy { $0.elements.allSatisfy(\.isNaN) })
    }

    @Test func perTensorNorm() throws {
        var g = try grads([[3, 4]], [[0.1], [0.2]])
        let report = try GradientClipping.perTensorNorm(maxNorm: 1).apply(to: &g)
        #expect(report.clipped)
        #expect(abs(g[0][0, 0] - 3 / (5 + 1e-6)) < 1e-16 && abs(g[0][0, 1] - 4 / (5 + 1e-6)) < 1e-16)
        #expect(g[1][0, 0] == 0.1 && g[1][1, 0] == 0.2)
        #expect(abs(report.normBefore - (25.05).squareRoot()) < 1e-14)
    }

    @Test func valueClippingKeepsNaN() throws {
        var g = try grads([[.nan, -3]], [[0.5]])
        let report = try GradientClipping.value(1).apply(to: &g)
        #expect(report.clipped && g[0][0, 0].isNaN && g[0][0, 1] == -1 && g[1][0, 0] == 0.5)
    }

    @Test func thresholdsMustBePositive() throws {
        for bad in [GradientClipping.globalNorm(maxNorm: 0, nonFinite: .error), .perTensorNorm(maxNorm: -1), .value(.infinity)] {
            #expect(throws: ClippingError.self) { try bad.validate() }
        }
        try GradientClipping.value(0.5).validate()
        try GradientClipping.none.validate()
    }

    @Test func pascanuGuard() throws {
        let w = try Matrix([[1, 2], [3, 4]])
        let guardrail = NonFiniteGuard(recurrentIndex: 0)
        var g = [try Matrix([[.nan, 0], [0, 0]]), try Matrix([[5]])]
        #expect(guardrail.apply(to: &g, parameters: [w, try Matrix([[9]])], totalNorm: globalNorm(g)))
        #expect(g[0] == w.scaled(by: 0.02) && g[1][0, 0] == 0)
        var fine = [w, try Matrix([[1]])]
        #expect(!guardrail.apply(to: &fine, parameters: fine, totalNorm: 1e9))
        #expect(guardrail.fires(totalNorm: 2e10) && guardrail.fires(totalNorm: .infinity) && !guardrail.fires(totalNorm: 1e10))
    }
}

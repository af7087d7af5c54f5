import Foundation

/// The verdict on one configuration's gradient flow.
public enum FlowLabel: String, Sendable, Codable, CaseIterable {
    case vanishing, exploding, stable
}

/// A one-line summary of gradient flow through time.
///
/// - `slopeLog10PerStep`: least-squares slope of log10 ‖∂h_T/∂h_{T−k}‖₂ against k over the reported lags
///   k ≥ 1 with a finite value (nil with fewer than two such lags).
/// - `label`: `vanishing` if the slope is below −`threshold`, `exploding` if above +`threshold`,
///   else `stable`. The default threshold, 0.005 decades per step, is a factor of 10 over 200 steps.
///   A product that became exactly zero is `vanishing`.
/// - `horizon`: the first lag at which ‖∂h_T/∂h_{T−k}‖₂ drops below 10⁻⁶ of its lag-0 value (= 1), or nil.
public struct FlowSummary: Sendable, Equatable {
    public static let defaultThreshold = 0.005

    public let slopeLog10PerStep: Double?
    public let label: FlowLabel?
    public let horizon: Int?

    public init(norms: [LagNorm], threshold: Double = FlowSummary.defaultThreshold) {
        let points = norms.compactMap { n in n.spectralLog10.map { (Double(n.lag), $0) } }.filter { $0.0 >= 1 }
        let becameZero = norms.contains { $0.spectralLog10 == nil }
        horizon = norms.first { ($0.spectralLog10 ?? -.infinity) < -6 }?.lag
        slopeLog10PerStep = leastSquaresSlope(points)
        if becameZero {
            label = .vanishing
        } else if let s = slopeLog10PerStep {
            label = s < -threshold ? .vanishing : (s > threshold ? .exploding : .stable)
        } else {
            label = nil
        }
    }
}

/// 10^l written with `digits` significant digits, keeping the mantissa however small or large:
/// 0.0132 for l = −1.88, 9.54e-7 for l = −6.0205, 3.16e-350 for l = −349.5 (beyond Float64, computed
/// from the logarithm), "0" for l = −∞. Plain decimals for 10⁻³ ≤ 10^l < 10⁴.
public func powerOfTenText(_ l: Double, digits: Int = 3) -> String {
    guard l.isFinite else { return l.isNaN ? "nan" : (l > 0 ? "inf" : "0") }
    if l >= -3 && l < 4 { return String(format: "%.\(digits)g", Foundation.pow(10, l)) }
    var e = l.rounded(.down)
    var m = Foundation.pow(10, l - e)
    let scale = Foundation.pow(10, Double(digits - 1))
    m = (m * scale).rounded() / scale
    if m >= 10 { m /= 10; e += 1 }
    return String(format: "%.\(digits)g", m) + "e" + String(Int(e))
}

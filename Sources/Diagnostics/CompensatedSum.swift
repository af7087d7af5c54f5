/// Neumaier's compensated sum: the error of adding n terms stays near one rounding of the total
/// instead of growing like n. Log-scale accumulators over 10⁴–10⁵ steps need it to keep
/// ‖∂h_T/∂h_t‖ to 1e-12 relative.
public struct CompensatedSum: Sendable {
    private var sum = 0.0
    private var compensation = 0.0

    public init() {}

    public mutating func add(_ x: Double) {
        let t = sum + x
        if abs(sum) >= abs(x) { compensation += (sum - t) + x } else { compensation += (x - t) + sum }
        sum = t
    }

    public var value: Double { sum + compensation }
}

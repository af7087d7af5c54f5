import Foundation
import Linalg
import Recurrent
import TensorIO

/// Text, JSON and CSV forms of a `FixedPointReport` (keys in docs/dynamics.md).
///
/// `outputs[k]`, when given, is the model's read-out y = W_head h* + b_head at point k (O entries).
extension FixedPointReport {
    /// "fixed" or "slow".
    static func kind(_ p: FixedPoint) -> String { p.isFixed ? "fixed" : "slow" }

    /// y = W_head h* + b_head at every point (h* the first H entries of s*), when `model` has a head.
    public func readouts(model: RecurrentModel) -> [[Double]]? {
        guard let w = model.parameters[ParameterName.headWeight] else { return nil }
        let b = model.parameters[ParameterName.headBias]?.elements ?? [Double](repeating: 0, count: w.rows)
        return points.map { p in
            (0..<w.rows).map { i in b[i] + (0..<w.cols).reduce(0) { $0 + w[i, $1] * p.state[$1] } }
        }
    }

    /// One object per point plus the search settings.
    public func json(outputs: [[Double]]? = nil) -> JSONValue {
        let pts: [JSONValue] = points.enumerated().map { k, p in
            var fields: [(String, JSONValue)] = [
                ("index", .integer(k)), ("kind", .string(Self.kind(p))), ("stability", .string(p.stability.rawValue)),
                ("q", .number(p.q)), ("unstable_modes", .integer(p.unstableModes)), ("marginal_modes", .integer(p.marginalModes)),
                ("spectral_radius", .number(p.spectralRadius)), ("hits", .integer(p.hits)), ("iterations", .integer(p.iterations)),
                ("state", .numbers(p.state)),
                ("eigenvalues_re", .numbers(p.eigenvalues.map(\.re))), ("eigenvalues_im", .numbers(p.eigenvalues.map(\.im))),
            ]
            if let outputs, k < outputs.count { fields.append(("output", .numbers(outputs[k]))) }
            return .object(fields)
        }
        return .object([
            ("input", .numbers(input)), ("starts", .integer(starts)), ("discarded", .integer(discarded)),
            ("fixed_tolerance", .number(options.fixedTolerance)), ("slow_tolerance", .number(options.slowTolerance)),
            ("marginal_band", .number(options.marginalBand)), ("distinct_distance", .number(options.distinctDistance)),
            ("fixed_count", .integer(points.filter(\.isFixed).count)), ("slow_count", .integer(points.filter { !$0.isFixed }.count)),
            ("points", .array(pts)),
        ])
    }

    /// A header and one row per point: index, kind, stability, q, unstable_modes, marginal_modes,
    /// spectral_radius, hits, iterations, state_0…state_{S−1}, output_0…output_{O−1} (with outputs),
    /// lambda_re_0, lambda_im_0, … (numbers in Swift's round-trip form).
    public func csv(outputs: [[Double]]? = nil) -> String {
        let s = points.first?.state.count ?? 0, o = outputs?.first?.count ?? 0
        var header = ["index", "kind", "stability", "q", "unstable_modes", "marginal_modes", "spectral_radius", "hits", "iterations"]
        header += (0..<s).map { "state_\($0)" } + (0..<o).map { "output_\($0)" }
        header += (0..<s).flatMap { ["lambda_re_\($0)", "lambda_im_\($0)"] }
        var lines = [header.joined(separator: ",")]
        for (k, p) in points.enumerated() {
            var row = [String(k), Self.kind(p), p.stability.rawValue, "\(p.q)", String(p.unstableModes), String(p.marginalModes),
                       "\(p.spectralRadius)", String(p.hits), String(p.iterations)]
            row += p.state.map { "\($0)" }
            if let outputs, k < outputs.count { row += outputs[k].map { "\($0)" } }
            row += p.eigenvalues.flatMap { ["\($0.re)", "\($0.im)"] }
            lines.append(row.joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Words for people: counts, then one line per point.
    public func text(outputs: [[Double]]? = nil) -> String {
        let fixed = points.filter(\.isFixed).count
        var out = "fixed and slow points of s ↦ F(s, x*), x* = [\(input.map { String(format: "%g", $0) }.joined(separator: ", "))]\n"
        out += "  \(starts) starts: \(fixed) fixed point\(fixed == 1 ? "" : "s") (q ≤ \(String(format: "%.0e", options.fixedTolerance))), "
        out += "\(points.count - fixed) slow (q ≤ \(String(format: "%.0e", options.slowTolerance))), \(discarded) starts discarded\n"
        let byKind = Dictionary(grouping: points, by: \.stability)
        out += "  " + PointStability.allCases.map { "\($0.rawValue) \(byKind[$0]?.count ?? 0)" }.joined(separator: ", ") + "\n"
        for (k, p) in points.enumerated() {
            var line = String(format: "  #%-3d %-5@ %-8@ q = %.2e  max|λ| = %.6f  unstable %d  marginal %d  hits %d",
                              k, Self.kind(p) as NSString, p.stability.rawValue as NSString, p.q, p.spectralRadius,
                              p.unstableModes, p.marginalModes, p.hits)
            if let outputs, k < outputs.count {
                line += "  output [" + outputs[k].map { String(format: "%+.3f", $0) }.joined(separator: ", ") + "]"
            }
            out += line + "\n"
        }
        return out
    }
}

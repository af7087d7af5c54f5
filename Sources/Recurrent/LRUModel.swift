import Foundation
import Linalg

/// The LRU's state-dict names: `{stem}_l{ℓ}` as PyTorch's per-layer convention, stems as the paper's
/// appendix code (Orvieto et al. 2023) and its PyTorch re-implementations: nu_log, theta_log, gamma_log
/// (N), B_re, B_im (N × D), C_re, C_im (D × N), D (D). A model file may also use the bare stems (one
/// layer, as a single `LRU` module's state dict); `LRUName.canonical` maps them to `_l0`.
public enum LRUName {
    /// In state-dict order.
    public static let stems = ["nu_log", "theta_log", "gamma_log", "B_re", "B_im", "C_re", "C_im", "D"]

    /// `{stem}_l{layer}`.
    public static func name(_ stem: String, layer: Int = 0) -> String { "\(stem)_l\(layer)" }

    /// The model's names, in state-dict order, for `layers` layers, then the head.
    public static func stateDictOrder(layers: Int) -> [String] {
        (0..<layers).flatMap { l in stems.map { name($0, layer: l) } } + [ParameterName.headWeight, ParameterName.headBias]
    }

    /// Whether a set of names holds an LRU (`nu_log_l0` or a bare `nu_log`).
    public static func isLRU(_ names: [String]) -> Bool { names.contains(name("nu_log")) || names.contains("nu_log") }
}

extension LRUParameters {
    /// Ring initialisation (Orvieto et al. 2023, §3.3 and appendix A): |λ_j| = sqrt(U(r_min², r_max²)) (uniform
    /// on the ring r_min ≤ |λ| ≤ r_max of the complex plane), arg λ_j = U(0, max_phase); nu_log =
    /// log(−log|λ|), theta_log = log(arg λ), gamma_log = log √(1 − |λ|²); B = (N(0,1) + i·N(0,1))/√(2D),
    /// C = (N(0,1) + i·N(0,1))/√N, D ~ N(0, 1). A phase of 0 is nudged to the smallest positive double's
    /// log (theta_log = log 0 would be −∞). `r_min = r_max = r` prescribes every modulus.
    /// Preconditions (checked by the init schema): 0 ≤ r_min ≤ r_max < 1, r_max > 0, max_phase > 0.
    public static func ring(units n: Int, inputSize d: Int, rMin: Double, rMax: Double, maxPhase: Double,
                            rng: inout RandomStream) -> LRUParameters {
        var moduli = [Double](repeating: 0, count: n), phases = moduli
        for j in 0..<n {
            // u in (0, 1]: |λ|² = r_min² + u(r_max² − r_min²) stays > 0 when r_min = 0.
            let u = 1 - rng.uniform()
            moduli[j] = rMin == rMax ? rMin : (rMin * rMin + u * (rMax * rMax - rMin * rMin)).squareRoot()
            phases[j] = maxPhase * rng.uniform()
        }
        return withEigenvalues(moduli: moduli, phases: phases, inputSize: d, rng: &rng)
    }

    /// Prescribed eigenvalues λ_j = moduli_j·exp(i·phases_j) (moduli in (0, 1), phases ≥ 0; a phase of 0
    /// is nudged to the smallest normal double), γ = √(1 − |λ|²), and B, C, D drawn as `ring` says.
    public static func withEigenvalues(moduli: [Double], phases: [Double], inputSize d: Int, rng: inout RandomStream) -> LRUParameters {
        let n = moduli.count
        var nu = [Double](repeating: 0, count: n), theta = nu, gamma = nu
        for j in 0..<n {
            let modulus2 = moduli[j] * moduli[j]
            nu[j] = Foundation.log(-Foundation.log(moduli[j]))
            theta[j] = Foundation.log(max(phases[j], .leastNormalMagnitude))
            gamma[j] = Foundation.log((1 - modulus2).squareRoot())
        }
        let bs = 1 / (2 * Double(d)).squareRoot(), cs = 1 / Double(n).squareRoot()
        return LRUParameters(nuLog: nu, thetaLog: theta, gammaLog: gamma,
                             bRe: rng.normalMatrix(rows: n, cols: d, std: bs), bIm: rng.normalMatrix(rows: n, cols: d, std: bs),
                             cRe: rng.normalMatrix(rows: d, cols: n, std: cs), cIm: rng.normalMatrix(rows: d, cols: n, std: cs),
                             d: rng.normals(d))
    }

    /// The tensors under their `_l{layer}` names (vectors as n × 1).
    public func named(layer: Int = 0) -> [(String, Matrix)] {
        let values: [Matrix] = [vectorMatrix(nuLog), vectorMatrix(thetaLog), vectorMatrix(gammaLog), bRe, bIm, cRe, cIm, vectorMatrix(d)]
        return zip(LRUName.stems, values).map { (LRUName.name($0, layer: layer), $1) }
    }
}

/// v as an n × 1 matrix.
func vectorMatrix(_ v: [Double]) -> Matrix {
    var m = Matrix(rows: v.count, cols: 1)
    for (i, x) in v.enumerated() { m[i, 0] = x }
    return m
}

extension RecurrentModel {
    /// Validates an LRU state dict (one unidirectional layer, `_l0` names, optional head O × D) and returns
    /// (D, N, O, tensors in state-dict order). Missing or unknown names, wrong shapes and non-finite values
    /// are errors naming the tensor.
    static func validatedLRU(_ parameters: ParameterSet) throws -> (inputSize: Int, units: Int, head: Int?, pairs: [(String, Matrix)]) {
        let order = LRUName.stateDictOrder(layers: 1), known = Set(order)
        if let unknown = parameters.names.first(where: { !known.contains($0) }) {
            let stacked = unknown.range(of: #"_l[1-9][0-9]*(_reverse)?$|_reverse$"#, options: .regularExpression) != nil
            throw RecurrentError(stacked
                ? "'\(unknown)': an lru model is one unidirectional layer here (names \(LRUName.stems.map { LRUName.name($0) }.joined(separator: ", ")))"
                : "unknown parameter '\(unknown)' for an lru cell (expected names: \(order.joined(separator: ", ")))")
        }
        func tensor(_ stem: String) throws -> Matrix {
            let name = LRUName.name(stem)
            guard let m = parameters[name] else {
                throw RecurrentError("missing parameter '\(name)' (an lru layer needs \(LRUName.stems.map { LRUName.name($0) }.joined(separator: ", ")))")
            }
            return m
        }
        let nu = try tensor("nu_log")
        guard nu.count > 0, nu.rows == 1 || nu.cols == 1 else {
            throw RecurrentError("'\(LRUName.name("nu_log"))' is \(nu.shapeDescription), expected a vector of N values")
        }
        let n = nu.count
        let bRe = try tensor("B_re")
        let d = bRe.cols
        guard bRe.rows == n, d > 0 else {
            throw RecurrentError("'\(LRUName.name("B_re"))' is \(bRe.shapeDescription), but '\(LRUName.name("nu_log"))' implies \(n) × D")
        }
        var pairs: [(String, Matrix)] = []
        for stem in LRUName.stems {
            let m = try tensor(stem), name = LRUName.name(stem)
            switch stem {
            case "nu_log", "theta_log", "gamma_log", "D":
                let want = stem == "D" ? d : n
                guard m.count == want, m.rows == 1 || m.cols == 1 else {
                    throw RecurrentError("'\(name)' is \(m.shapeDescription), expected a vector of \(want) values (\(stem == "D" ? "D, the input size" : "N, the state size"))")
                }
                pairs.append((name, vectorMatrix(m.elements)))
            case "B_re", "B_im":
                guard m.rows == n, m.cols == d else { throw RecurrentError("'\(name)' is \(m.shapeDescription), expected \(n) × \(d) (N × D)") }
                pairs.append((name, m))
            default:
                guard m.rows == d, m.cols == n else { throw RecurrentError("'\(name)' is \(m.shapeDescription), expected \(d) × \(n) (D × N)") }
                pairs.append((name, m))
            }
        }
        var o: Int?
        if let hw = parameters[ParameterName.headWeight] {
            guard hw.cols == d, hw.rows > 0 else {
                throw RecurrentError("'\(ParameterName.headWeight)' is \(hw.shapeDescription), expected O × \(d) (an lru layer's output y_t has D = \(d) values)")
            }
            o = hw.rows
            pairs.append((ParameterName.headWeight, hw))
            if let hb = parameters[ParameterName.headBias] {
                guard hb.count == hw.rows, hb.rows == 1 || hb.cols == 1 else {
                    throw RecurrentError("'\(ParameterName.headBias)' is \(hb.shapeDescription), expected \(hw.rows) values")
                }
                pairs.append((ParameterName.headBias, vectorMatrix(hb.elements)))
            }
        } else if parameters[ParameterName.headBias] != nil {
            throw RecurrentError("'\(ParameterName.headBias)' is given without '\(ParameterName.headWeight)'")
        }
        for (name, m) in pairs where !m.isFinite {
            throw RecurrentError("'\(name)' contains NaN or infinite values")
        }
        return (d, n, o, pairs)
    }

    /// An LRU layer's parameters (layer 0, forward: the only LRU layer a model has here).
    public func lruParameters(layer: Int = 0) -> LRUParameters {
        precondition(cell == .lru && layer == 0, "no lru layer \(layer)")
        // The initializer guarantees every tensor exists with its shape.
        func t(_ stem: String) -> Matrix { parameters[LRUName.name(stem, layer: layer)]! }
        return LRUParameters(nuLog: t("nu_log").elements, thetaLog: t("theta_log").elements, gammaLog: t("gamma_log").elements,
                             bRe: t("B_re"), bIm: t("B_im"), cRe: t("C_re"), cIm: t("C_im"), d: t("D").elements)
    }
}

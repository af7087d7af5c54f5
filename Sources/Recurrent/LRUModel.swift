import Foundation
import Linalg

/// The LRU's state-dict names: `{stem}_l{ℓ}` (and `{stem}_l{ℓ}_reverse` for the backward direction of a
/// bidirectional layer) as PyTorch's per-layer convention, stems as the paper's appendix code (Orvieto
/// et al. 2023) and its PyTorch re-implementations: nu_log, theta_log, gamma_log (N), B_re, B_im (N × D_ℓ),
/// C_re, C_im (D_ℓ × N), D (D_ℓ). A model file may also use the bare stems (one layer, as a single `LRU`
/// module's state dict); `ModelFileReading` maps them to `_l0`.
public enum LRUName {
    /// In state-dict order.
    public static let stems = ["nu_log", "theta_log", "gamma_log", "B_re", "B_im", "C_re", "C_im", "D"]

    /// `{stem}_l{layer}`, with `_reverse` for the backward direction.
    public static func name(_ stem: String, layer: Int = 0, reverse: Bool = false) -> String {
        "\(stem)_l\(layer)" + (reverse ? "_reverse" : "")
    }

    /// The model's names, in state-dict order (layer, then direction, then the stems), then the head.
    public static func stateDictOrder(layers: Int, bidirectional: Bool = false) -> [String] {
        (0..<layers).flatMap { l in (bidirectional ? [false, true] : [false]).flatMap { r in stems.map { name($0, layer: l, reverse: r) } } }
            + [ParameterName.headWeight, ParameterName.headBias]
    }

    /// The layer count (1 + the largest ℓ of a `{stem}_l{ℓ}` name) and whether any name is `_reverse`.
    public static func architecture(of names: [String]) -> (layers: Int, bidirectional: Bool) {
        var top = 0, reverse = false
        for name in names {
            var rest = Substring(name)
            let isReverse = rest.hasSuffix("_reverse")
            if isReverse { rest = rest.dropLast("_reverse".count) }
            guard let r = rest.range(of: "_l", options: .backwards), stems.contains(String(rest[..<r.lowerBound])),
                  let l = Int(rest[r.upperBound...]), l >= 0, l < 10_000 else { continue }
            top = max(top, l)
            reverse = reverse || isReverse
        }
        return (top + 1, reverse)
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

    /// The tensors under their `_l{layer}` (`_reverse`) names (vectors as n × 1).
    public func named(layer: Int = 0, reverse: Bool = false) -> [(String, Matrix)] {
        let values: [Matrix] = [vectorMatrix(nuLog), vectorMatrix(thetaLog), vectorMatrix(gammaLog), bRe, bIm, cRe, cIm, vectorMatrix(d)]
        return zip(LRUName.stems, values).map { (LRUName.name($0, layer: layer, reverse: reverse), $1) }
    }
}

/// v as an n × 1 matrix.
func vectorMatrix(_ v: [Double]) -> Matrix {
    var m = Matrix(rows: v.count, cols: 1)
    for (i, x) in v.enumerated() { m[i, 0] = x }
    return m
}

extension RecurrentModel {
    /// Validates an LRU state dict and returns (D, N, L, bidirectional, O, tensors in state-dict order).
    /// Layer ℓ reads D_ℓ values: D_0 = D, D_ℓ = dirs·D_{ℓ−1} (the layer below's read-outs y_t, [fwd; bwd]);
    /// its B is N × D_ℓ, its C is D_ℓ × N and its D has D_ℓ values; the head is O × dirs·D_{L−1}.
    /// Missing or unknown names, wrong shapes and non-finite values are errors naming the tensor.
    static func validatedLRU(_ parameters: ParameterSet) throws
        -> (inputSize: Int, units: Int, layers: Int, bidirectional: Bool, head: Int?, pairs: [(String, Matrix)]) {
        let (layers, bidirectional) = LRUName.architecture(of: parameters.names)
        let order = LRUName.stateDictOrder(layers: layers, bidirectional: bidirectional), known = Set(order)
        if let unknown = parameters.names.first(where: { !known.contains($0) }) {
            throw RecurrentError("unknown parameter '\(unknown)' for an lru cell (expected names: \(order.joined(separator: ", ")))")
        }
        let dirs = bidirectional ? 2 : 1
        var pairs: [(String, Matrix)] = []
        var n = 0, d0 = 0, width = 0
        for layer in 0..<layers {
            if layer > 0 { width = dirs * width }
            for reverse in bidirectional ? [false, true] : [false] {
                func tensor(_ stem: String) throws -> Matrix {
                    let name = LRUName.name(stem, layer: layer, reverse: reverse)
                    guard let m = parameters[name] else {
                        let needs = LRUName.stems.map { LRUName.name($0, layer: layer, reverse: reverse) }.joined(separator: ", ")
                        throw RecurrentError("missing parameter '\(name)' (an lru layer needs \(needs))")
                    }
                    return m
                }
                let nuName = LRUName.name("nu_log", layer: layer, reverse: reverse)
                let nu = try tensor("nu_log")
                guard nu.count > 0, nu.rows == 1 || nu.cols == 1, n == 0 || nu.count == n else {
                    throw RecurrentError("'\(nuName)' is \(nu.shapeDescription), expected a vector of \(n == 0 ? "N" : String(n)) values\(n == 0 ? "" : " (every lru layer has the same N)")")
                }
                n = nu.count
                let bName = LRUName.name("B_re", layer: layer, reverse: reverse)
                let bRe = try tensor("B_re")
                if layer == 0 && !reverse {
                    guard bRe.rows == n, bRe.cols > 0 else {
                        throw RecurrentError("'\(bName)' is \(bRe.shapeDescription), but '\(nuName)' implies \(n) × D")
                    }
                    d0 = bRe.cols
                    width = d0
                }
                let d = width
                for stem in LRUName.stems {
                    let m = try tensor(stem), name = LRUName.name(stem, layer: layer, reverse: reverse)
                    let input = layer == 0 ? "D, the input size" : "D_\(layer) = \(dirs == 2 ? "2·" : "")D_\(layer - 1), the read-outs of layer \(layer - 1)"
                    switch stem {
                    case "nu_log", "theta_log", "gamma_log", "D":
                        let want = stem == "D" ? d : n
                        guard m.count == want, m.rows == 1 || m.cols == 1 else {
                            throw RecurrentError("'\(name)' is \(m.shapeDescription), expected a vector of \(want) values (\(stem == "D" ? input : "N, the state size"))")
                        }
                        pairs.append((name, vectorMatrix(m.elements)))
                    case "B_re", "B_im":
                        guard m.rows == n, m.cols == d else { throw RecurrentError("'\(name)' is \(m.shapeDescription), expected \(n) × \(d) (N × \(input))") }
                        pairs.append((name, m))
                    default:
                        guard m.rows == d, m.cols == n else { throw RecurrentError("'\(name)' is \(m.shapeDescription), expected \(d) × \(n) (\(input) × N)") }
                        pairs.append((name, m))
                    }
                }
            }
        }
        let top = dirs * width
        var o: Int?
        if let hw = parameters[ParameterName.headWeight] {
            guard hw.cols == top, hw.rows > 0 else {
                throw RecurrentError("'\(ParameterName.headWeight)' is \(hw.shapeDescription), expected O × \(top) (\(layers == 1 && dirs == 1 ? "an lru layer's output y_t has D = \(top) values" : "the top layer's read-outs y_t, [fwd; bwd], have \(top) values"))")
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
        return (d0, n, layers, bidirectional, o, pairs)
    }

    /// D_ℓ, the width of layer ℓ's input and of each direction's read-out y_t (an LRU model).
    public func lruWidth(layer: Int) -> Int {
        precondition(cell == .lru && layer >= 0 && layer < layers, "no lru layer \(layer)")
        // The initializer guarantees every tensor exists with its shape.
        return parameters[LRUName.name("B_re", layer: layer)]!.cols
    }

    /// The parameters of LRU layer `layer`, direction `reverse`.
    public func lruParameters(layer: Int = 0, reverse: Bool = false) -> LRUParameters {
        precondition(cell == .lru && layer >= 0 && layer < layers && (!reverse || bidirectional), "no lru layer \(layer)\(reverse ? " reverse" : "")")
        // The initializer guarantees every tensor exists with its shape.
        func t(_ stem: String) -> Matrix { parameters[LRUName.name(stem, layer: layer, reverse: reverse)]! }
        return LRUParameters(nuLog: t("nu_log").elements, thetaLog: t("theta_log").elements, gammaLog: t("gamma_log").elements,
                             bRe: t("B_re"), bIm: t("B_im"), cRe: t("C_re"), cIm: t("C_im"), d: t("D").elements)
    }
}

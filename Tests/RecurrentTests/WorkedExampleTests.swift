import Foundation
import Linalg
import Testing
@testable import Recurrent

/// ../shared/reference/worked-example-sentiment.md through `TraceReport`.
@Suite struct WorkedExampleTests {
    static let wxh = [[0.2, 0.4, 0.1], [0.1, 0.3, 0.5], [0.4, 0.2, 0.3]]
    static let whh = [[0.3, 0.2, 0.1], [0.5, 0.4, 0.2], [0.1, 0.3, 0.4]]
    static let bh = [0.1, 0.1, 0.1], who = [0.3, 0.2, 0.4], bo = 0.1
    static let sentence = [[0.1, 0.2, 0.3], [0.4, 0.1, 0.5], [0.3, 0.2, 0.1], [0.6, 0.1, 0.4], [0.1, 0.3, 0.6], [0.5, 0.4, 0.2]]

    static func report() throws -> TraceReport {
        let model = try RecurrentModel(cell: .rnn(.tanh), parameters: ParameterSet([
            (ParameterName.weightIH, try Matrix(wxh)), (ParameterName.weightHH, try Matrix(whh)),
            (ParameterName.biasIH, try Matrix(rows: 3, cols: 1, elements: bh)),
            (ParameterName.biasHH, Matrix(rows: 3, cols: 1)),
            (ParameterName.headWeight, try Matrix([who])), (ParameterName.headBias, try Matrix([[bo]])),
        ]))
        let x = try SequenceBatch(Matrix(sentence))
        let y = try SequenceBatch(steps: 1, batchSize: 1, featureSize: 1, timeMajor: [1])
        return try TraceReport(model: model, inputs: x, batched: false, outputs: .last, objective: .bce(targets: y), truncation: .none)
    }

    /// An independent scalar transcription of the lecture's formulas (no BLAS, no tape).
    @Test func exactValuesMatchIndependentComputation() throws {
        let r = try Self.report(), g = r.gradients
        var h = [[0.0, 0.0, 0.0]], z = [[Double]]()
        for x in Self.sentence {
            let prev: [Double] = h[h.count - 1]
            var zt: [Double] = Self.bh
            for i in 0..<3 {
                for j in 0..<3 {
                    let a: Double = Self.wxh[i][j] * x[j]
                    let b: Double = Self.whh[i][j] * prev[j]
                    zt[i] += a + b
                }
            }
            z.append(zt); h.append(zt.map { Foundation.tanh($0) })
        }
        let logit = (0..<3).reduce(Self.bo) { $0 + Self.who[$1] * h[6][$1] }
        let p = 1 / (1 + exp(-logit)), loss = -log(p)
        #expect(abs(g.loss - loss) < 1e-15)
        var dh = Self.who.map { $0 * (p - 1) }
        var dwxh = Array(repeating: [0.0, 0.0, 0.0], count: 3), dwhh = dwxh, db = [0.0, 0.0, 0.0]
        var dhs = [[Double]](repeating: [], count: 7)
        for t in stride(from: 6, through: 1, by: -1) {
            dhs[t] = dh
            let delta = (0..<3).map { dh[$0] * (1 - h[t][$0] * h[t][$0]) }
            for i in 0..<3 {
                db[i] += delta[i]
                for j in 0..<3 { dwxh[i][j] += delta[i] * Self.sentence[t - 1][j]; dwhh[i][j] += delta[i] * h[t - 1][j] }
            }
            dh = (0..<3).map { j in (0..<3).reduce(0) { $0 + Self.whh[$1][j] * delta[$1] } }
        }
        #expect(maxAbsDifference(g.parameters[ParameterName.weightIH]!.elements, dwxh.flatMap { $0 }) < 1e-15)
        #expect(maxAbsDifference(g.parameters[ParameterName.weightHH]!.elements, dwhh.flatMap { $0 }) < 1e-15)
        #expect(maxAbsDifference(g.parameters[ParameterName.biasIH]!.elements, db) < 1e-15)
        #expect(maxAbsDifference(g.parameters[ParameterName.headWeight]!.elements, h[6].map { $0 * (p - 1) }) < 1e-15)
        #expect(maxAbsDifference(g.forward.hidden, h[1...].flatMap { $0 }) < 1e-15)
        #expect(maxAbsDifference(g.hidden, dhs[1...].flatMap { $0 }) < 1e-15)
        #expect(abs(loss - 0.378) < 5e-4)   // the reference says: 0.378 exactly, printed 0.377
    }

    /// Printed values (3 decimals) within 0.005 of the reference's hand calculation.
    @Test func printedValuesMatchTheLecture() throws {
        let text = try Self.report().text(digits: 3)
        let lines = text.split(separator: "\n").map(String.init)
        func vectors(section: String, row: String) -> [[Double]] {
            let start = lines.firstIndex(of: section)!
            let line = lines[start...].first { $0.hasPrefix(row + " ") }!
            return bracketed(line)
        }
        let zRef = [[0.23, 0.32, 0.27], [0.426, 0.709, 0.651], [0.55, 0.799, 0.742], [0.646, 1.032, 0.981], [0.7015, 1.246, 0.971], [0.806, 1.161, 1.055]]
        let hRef = [[0.226, 0.309, 0.263], [0.402, 0.61, 0.572], [0.501, 0.663, 0.630], [0.570, 0.775, 0.755], [0.605, 0.847, 0.75], [0.667, 0.821, 0.784]]
        for t in 1...6 {
            let v = vectors(section: "Forward", row: String(t))   // x_t, z_t, h_t
            #expect(maxAbsDifference(v[1], zRef[t - 1]) <= 0.005, "z_\(t)")
            #expect(maxAbsDifference(v[2], hRef[t - 1]) <= 0.005, "h_\(t)")
        }
        let out = vectors(section: "Outputs", row: "6")
        #expect(abs(out[0][0] - 0.778) <= 0.005 && abs(out[1][0] - -0.316) <= 0.005)
        let b6 = vectors(section: "Backward (BPTT)", row: "6"), b5 = vectors(section: "Backward (BPTT)", row: "5")
        #expect(maxAbsDifference(b6[0], [-0.095, -0.063, -0.126]) <= 0.005)
        #expect(maxAbsDifference(b6[1], [-0.053, -0.020, -0.049]) <= 0.005)
        #expect(maxAbsDifference(b5[0], [-0.031, -0.034, -0.029]) <= 0.005)
        #expect(maxAbsDifference(b5[1], [-0.020, -0.010, -0.013]) <= 0.005)
        // Step-6 contributions δz_6 x_6ᵀ and δz_6 h_5ᵀ.
        let s6 = lines.firstIndex(of: "t = 6")!
        let rows = (1...3).map { bracketed(lines[s6 + 1 + $0]) }
        let xRef = [[-0.0265, -0.0212, -0.0106], [-0.0100, -0.0080, -0.0040], [-0.0245, -0.0196, -0.0098]]
        let hpRef = [[-0.032, -0.045, -0.040], [-0.012, -0.017, -0.015], [-0.030, -0.041, -0.037]]
        for i in 0..<3 {
            #expect(maxAbsDifference(rows[i][0], xRef[i]) <= 0.005)
            #expect(maxAbsDifference(rows[i][1], hpRef[i]) <= 0.005)
        }
        let headLine = lines[lines.firstIndex(of: "∂L/∂head.weight =")! + 1]
        #expect(maxAbsDifference(bracketed(headLine)[0], [-0.211, -0.259, -0.248]) <= 0.005)
        #expect(lines.contains("loss =  0.378"))
    }

    @Test func jsonHasTheDocumentedFields() throws {
        let json = try Self.report().json()
        let obj = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        for key in ["loss", "hidden", "outputs", "dL_dh", "dL_dh_norm", "grads"] { #expect(obj[key] != nil, "\(key)") }
        let grads = try #require(obj["grads"] as? [String: Any])
        #expect(Set(grads.keys) == Set(ParameterName.stateDictOrder + ["input"]))
        #expect((obj["hidden"] as? [[Double]])?.count == 6)
        #expect((obj["dL_dh_norm"] as? [Double])?.count == 6)
        #expect(abs((obj["loss"] as? Double ?? 0) - (try Self.report().gradients.loss)) < 1e-15)
    }
}

/// The numbers inside each `[ … ]` group of a line.
func bracketed(_ line: String) -> [[Double]] {
    var groups: [[Double]] = [], rest = Substring(line)
    while let open = rest.firstIndex(of: "["), let close = rest[open...].firstIndex(of: "]") {
        groups.append(rest[rest.index(after: open)..<close].split(separator: " ").compactMap { Double($0) })
        rest = rest[rest.index(after: close)...]
    }
    return groups
}

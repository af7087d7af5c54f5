import Foundation
import Testing
import Diagnostics
@testable import Lab
import Sweeps

/// `diagnostics.reorthonormalize` of mode lyapunov: N ≥ 1 (QR every N steps; default 1) or `auto`
/// (`ReorthonormalizationInterval.automatic`), swept like any value; anything else is a located error.
@Suite struct ReorthonormalizeSchemaTests {
    static let text = """
    name: lyap
    mode: lyapunov
    seed: 5
    model: {cell: rnn, activation: tanh, hidden: 4, input: 1}
    sequence: {length: 50, input: {kind: zeros}, h0: gaussian}
    diagnostics: {lyapunov: all, transient: 10}
    """

    static func with(_ value: String) -> String {
        text.replacingOccurrences(of: "transient: 10}", with: "transient: 10, reorthonormalize: \(value)}")
    }

    @Test func decodesCountsAndAutoAndKeepsTheDefaultOfOne() throws {
        #expect(try Experiment(text: Self.text, source: "exp.yaml").points[0].spec.diagnostics.reorthonormalize == .every(1))
        #expect(try Experiment(text: Self.with("auto"), source: "exp.yaml").points[0].spec.diagnostics.reorthonormalize == .automatic)
        #expect(try Experiment(text: Self.with("4"), source: "exp.yaml").points[0].spec.diagnostics.reorthonormalize == .every(4))
        let swept = try Experiment(text: Self.text + "\nsweep: {diagnostics.reorthonormalize: [1, auto, 16]}\n", source: "exp.yaml")
        #expect(swept.points.map(\.spec.diagnostics.reorthonormalize) == [.every(1), .automatic, .every(16)])
        // The cost estimate counts `auto` as a QR every step (its blocks depend on the spectrum): the QR
        // work count N·S·k²/m of m = 1, not 1/16 of it.
        let qr = swept.points.map { CostModel.workCounts($0.spec)[3] }
        #expect(qr[0] == 60 * 4 * 16 && qr[1] == qr[0] && qr[2] == qr[0] / 16)
    }

    @Test func badValuesAreLocated() throws {
        let cases: [(String, String)] = [
            ("0", "exp.yaml:6:63: diagnostics.reorthonormalize: must be auto or an integer ≥ 1"),
            ("automatic", "exp.yaml:6:63: 'automatic' is not a valid diagnostics.reorthonormalize: expected one of auto, N (QR every N steps)"),
            ("1.5", "exp.yaml:6:63: '1.5' is not a valid diagnostics.reorthonormalize: expected one of auto, N (QR every N steps)"),
            ("20000000", "exp.yaml:6:63: diagnostics.reorthonormalize: must be at most 10,000,000 (the limit), got 20,000,000"),
        ]
        for (value, expected) in cases {
            let error = try #require(loadError(Self.with(value)), "\(value)")
            #expect(error.description.hasPrefix(expected), "\(value): \(error.description)")
        }
    }
}

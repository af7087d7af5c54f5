import Sweeps
import Lab
import Foundation
import Linalg
import Diagnostics
import Testing
@testable import Lab

/// The Diagnostics executors behind `gradlab run`, checked against closed forms.
@Suite struct DiagnosticsExecutorTests {
    static let linearOrthogonal = """
    name: exec
    mode: gradient-flow
    seed: 3
    model: {cell: rnn, activation: linear, hidden: 6, input: 2}
    init:
      weight_hh: {kind: orthogonal, spectral_radius: 0.8}
    sequence: {length: 40, input: {kind: gaussian, std: 0.5}}
    replicates: 2
    measure: [grad_norm, jacobian_norm, singular_values]
    diagnostics: {lags: all, singular_value_lags: [1, 10]}
    sweep:
      init.weight_hh.spectral_radius: [0.8, 1.25]
    """

    /// W_hh = ρ·Q with Q orthogonal and a linear cell: ∂h_T/∂h_t = ρ^k·Q^k, so
    /// log10 ‖·‖₂ = k·log10 ρ and every singular value is ρ^k.
    @Test func linearOrthogonalCellGivesRhoToTheK() throws {
        let e = try Experiment(text: Self.linearOrthogonal, source: "exec.yaml")
        let registry = ExecutorRegistry.standard
        for c in e.configurations {
            var random = c.randomStream
            let result = try #require(registry[.gradientFlow]).run(c, &random)
            let rho = try #require(c.spec.initialization.weightHH?.spectralRadius)
            #expect(result.status == .ok)
            let norms = result.series.filter { $0.metric == "jacobian_norm_log10" }
            #expect(norms.count == 41)
            for p in norms { #expect(abs(p.value - Double(p.step) * Foundation.log10(rho)) < 1e-10) }
            for p in result.series where p.metric == "singular_value" {
                #expect(abs(p.value / Foundation.pow(rho, Double(p.step)) - 1) < 1e-10)
            }
            #expect(result.series.filter { $0.metric == "singular_value" }.count == 12)
            #expect(abs((result.summary["spectral_radius"]?.number ?? 0) - rho) < 1e-10)
            #expect(abs((result.summary["slope_log10_per_step"]?.number ?? 0) - Foundation.log10(rho)) < 1e-9)
            #expect(result.summary["label"] == (rho < 1 ? "vanishing" : "exploding"))
        }
    }

    @Test func realNumericsAreBitIdenticalForOneAndTwoJobs() async throws {
        let e = try Experiment(text: Self.linearOrthogonal, source: "exec.yaml", overrides: ["model.activation=tanh"])
        var tables: [[String]] = []
        for jobs in [1, 2] {
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("gradlab-exec-\(UUID().uuidString)")
            _ = try await Runner.run(e, executor: ExecutorRegistry.standard,
                                     options: RunOptions(outDirectory: dir, jobs: jobs, progress: .silent))
            let store = try ResultStore(existing: dir)
            tables.append(try store.table("SELECT run_id, metric, step, component, value FROM series ORDER BY run_id, metric, step, component")
                .rows.map { $0.map { v in Double.fromDatabaseValue(v).map { String($0.bitPattern, radix: 16) } ?? v.description }.joined(separator: " ") })
        }
        let firstDifference = zip(tables[0], tables[1]).first { $0 != $1 }
        #expect(tables[0].count > 300 && tables[0] == tables[1], "first difference: \(String(describing: firstDifference))")
    }

    @Test func lyapunovModeOfAScaledOrthogonalLinearCell() throws {
        let text = Self.linearOrthogonal.replacingOccurrences(of: "mode: gradient-flow", with: "mode: lyapunov")
            .replacingOccurrences(of: "measure: [grad_norm, jacobian_norm, singular_values]", with: "measure: [lyapunov]")
        let e = try Experiment(text: text, source: "exec.yaml")
        let c = e.configurations[0]
        var random = c.randomStream
        let result = try #require(ExecutorRegistry.standard[.lyapunov]).run(c, &random)
        let exponents = result.series.filter { $0.metric == "lyapunov" }.map(\.value)
        #expect(exponents.count == 6)
        for l in exponents { #expect(abs(l - Foundation.log(0.8)) < 1e-10) } // every exponent is ln ρ
    }

    /// `diagnostics.reorthonormalize: auto` runs the guarded automatic blocks and gives the exponents of
    /// QR every step (the default `1`) to 1e-11 each and in their sum — the tolerance of
    /// LyapunovIntervalTests — on its chaotic map (tanh, H = 32, W_hh ~ N(0, 4/H), 2000 steps after 100),
    /// full spectrum and top 5 (where λ_1 − λ_5 is small and blocks are long). Same seed and no sweep: the
    /// same model and start.
    @Test(arguments: ["all", "5"])
    func automaticReorthonormalizationGivesTheExponentsOfEveryStep(count: String) throws {
        func run(_ reorthonormalize: String) throws -> (options: LyapunovOptions, exponents: [Double]) {
            let text = """
            name: auto-qr
            mode: lyapunov
            seed: 9
            model: {cell: rnn, activation: tanh, hidden: 32, input: 1, bias: false}
            init: {weight_hh: {kind: gaussian, gain: 2.0}, weight_ih: {kind: zeros}}
            sequence: {length: 2000, input: {kind: zeros}, h0: gaussian}
            diagnostics: {lyapunov: \(count), transient: 100, reorthonormalize: \(reorthonormalize)}
            """
            let c = try Experiment(text: text, source: "auto.yaml").configurations[0]
            let options = DiagnosticsExecutors.lyapunovOptions(c.spec, stateSize: 32)
            var random = c.randomStream
            let result = try #require(ExecutorRegistry.standard[.lyapunov]).run(c, &random)
            #expect(result.status == .ok)
            return (options, result.series.filter { $0.metric == "lyapunov" }.map(\.value))
        }
        let auto = try run("auto"), every = try run("1")
        #expect(auto.options.interval == .automatic && every.options.interval == .every(1))
        #expect(auto.exponents.count == (count == "all" ? 32 : 5) && auto.exponents.count == every.exponents.count)
        for (a, b) in zip(auto.exponents, every.exponents) { #expect(abs(a - b) < 1e-11, "\(a) vs \(b)") }
        #expect(abs(auto.exponents.reduce(0, +) - every.exponents.reduce(0, +)) < 1e-11)
        #expect(auto.exponents[0] > 0)   // chaotic: the test compares a non-trivial spectrum
    }

    @Test func unsupportedLossIsRejectedBeforeRunning() async throws {
        let e = try Experiment(text: Self.linearOrthogonal, source: "exec.yaml", overrides: ["loss.kind=mse"])
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("gradlab-exec-\(UUID().uuidString)")
        do {
            _ = try await Runner.run(e, executor: ExecutorRegistry.standard, options: RunOptions(outDirectory: dir, progress: .silent))
            Issue.record("ran an unsupported loss")
        } catch let error as RunError {
            #expect(error.description.hasPrefix("exec.yaml: loss mse: gradient-flow measures from an adjoint"))
            #expect(error.description.hasSuffix("(configuration init.weight_hh.spectral_radius=0.8)"))
        }
        #expect(!FileManager.default.fileExists(atPath: dir.path))
    }
}

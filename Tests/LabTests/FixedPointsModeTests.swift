import ExperimentPlots
import Foundation
import Lab
import Sweeps
import Testing

/// `mode: fixed-points` through the runner: the 1-D oracle h ← tanh(a·h) (docs/dynamics.md), a sweep over
/// model files that records a failed configuration and goes on, and the recipes drawn from the store.
@Suite struct FixedPointsModeTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/Dynamics")

    /// h* = tanh(a h*) by bisection on (0.5, 1) (a = 2).
    static func positivePoint(_ a: Double) -> Double {
        var lo = 0.5, hi = 1.0
        for _ in 0..<200 { let mid = (lo + hi) / 2; if tanh(a * mid) > mid { lo = mid } else { hi = mid } }
        return (lo + hi) / 2
    }

    static func run(_ yaml: String) async throws -> (URL, RunReport) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("gradlab-fixed-points-\(UUID().uuidString)")
        let report = try await Runner.run(try Experiment(text: yaml, source: "fixed-points.yaml"), executor: ExecutorRegistry.standard,
                                          options: RunOptions(outDirectory: dir, jobs: 1, progress: .silent, commandLine: ["test"]))
        return (dir, report)
    }

    @Test func tanhOracleThroughTheMode() async throws {
        let (dir, report) = try await Self.run("""
        name: tanh-oracle
        mode: fixed-points
        seed: 4
        model: {cell: rnn, hidden: 1, input: 1, bias: false}
        init:
          weight_hh: {kind: identity, scale: 2.0}
        fixed_points: {initial_states: 128, trajectories: 8, trajectory_steps: 20, noise: 0.5}
        sweep:
          init.weight_hh.scale: [2.0, 0.5]
        plots:
          - {recipe: fixed-point-states}
          - {recipe: fixed-point-eigenvalues}
        """)
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(report.allOK && report.counts[.ok] == 2)
        let store = try ResultStore(existing: dir)
        let fixed = try store.summaryColumn(Metric.fixedPointCount.name), stable = try store.summaryColumn(Metric.stablePoints.name)
        let unstable = try store.summaryColumn(Metric.unstablePoints.name)
        let states = try store.series(Metric.pointState.name), re = try store.series(Metric.pointEigenvalueRe.name)
        let im = try store.series(Metric.pointEigenvalueIm.name), q = try store.series(Metric.pointQ.name)
        for run in try store.runs() {
            let a = try #require(run.values["init.weight_hh.scale"]?.number)
            let points = try #require(states[run.runID]).sorted { $0.value < $1.value }
            let lambda = Dictionary(uniqueKeysWithValues: try #require(re[run.runID]).map { ($0.step, $0.value) })
            #expect(try #require(im[run.runID]).allSatisfy { $0.value == 0 })
            #expect(try #require(q[run.runID]).allSatisfy { $0.value <= 1e-20 })
            if a == 2 {
                // 0 (λ = 2, unstable) and ±h* (λ = 2(1 − h*²), stable), to 1e-10.
                let h = Self.positivePoint(2)
                #expect(fixed[run.runID] == 3 && stable[run.runID] == 2 && unstable[run.runID] == 1)
                #expect(points.count == 3)
                for (p, expected) in zip(points, [-h, 0, h]) {
                    let l = try #require(lambda[p.step])
                    #expect(abs(p.value - expected) <= 1e-10)
                    #expect(abs(l - 2 * (1 - expected * expected)) <= 1e-10)
                }
                #expect(abs(h - 0.957504) < 1e-6)
            } else {
                #expect(fixed[run.runID] == 1 && stable[run.runID] == 1 && unstable[run.runID] == 0)
                let only = try #require(points.first)
                let l = try #require(lambda[only.step])
                #expect(points.count == 1 && abs(points[0].value) <= 1e-10 && abs(l - 0.5) <= 1e-10)
            }
        }
        // Both recipes draw one figure per run from the store.
        let files = try RunPlots.render(runDirectory: dir, formats: [.svg])
        #expect(files.count == 4)
    }

    @Test func aFailedModelFileIsRecordedAndTheSweepGoesOn() async throws {
        let good = Self.fixtures.appendingPathComponent("flipflop-rnn.safetensors").path
        let missing = Self.fixtures.appendingPathComponent("no-such-model.safetensors").path
        let (dir, report) = try await Self.run("""
        name: model-files
        mode: fixed-points
        model: {cell: rnn, hidden: 16, input: 3}
        fixed_points: {model_file: x, initial_states: 256}
        sweep:
          fixed_points.model_file: ["\(missing)", "\(good)"]
        """)
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(report.counts[.failed] == 1 && report.counts[.ok] == 1)
        let store = try ResultStore(existing: dir)
        let runs = try store.runs()
        let failed = try #require(runs.first { $0.status == "failed" })
        #expect(failed.values["fixed_points.model_file"]?.description.contains("no-such-model") == true)
        // The flip-flop network: 8 stable points, one near each corner of the output cube.
        let ok = try #require(runs.first { $0.status == "ok" })
        #expect(try store.summaryColumn(Metric.stablePoints.name)[ok.runID] == 8)
        let classes = try #require(try store.series(Metric.pointStability.name)[ok.runID])
        let outputs = try #require(try store.series(Metric.pointOutput.name)[ok.runID])
        let stableIndices = Set(classes.filter { Metric.pointStabilityName($0.value) == "stable" }.map(\.step))
        var corners: Set<[Int]> = []
        for k in stableIndices {
            let y = outputs.filter { $0.step == k }.sorted { $0.component < $1.component }.map(\.value)
            #expect(y.count == 3 && y.allSatisfy { abs(abs($0) - 1) < 0.1 })
            corners.insert(y.map { $0 > 0 ? 1 : -1 })
        }
        #expect(corners.count == 8)
    }

    @Test func schemaRefusesWhatTheModeCannotUse() throws {
        let base = """
        name: refused
        mode: fixed-points
        model: {cell: rnn, hidden: 4}

        """
        #expect(throws: (any Error).self) { _ = try Experiment(text: base + "sequence: {length: 10}\n", source: "x.yaml") }
        #expect(throws: (any Error).self) { _ = try Experiment(text: base + "fixed_points: {initial_state: 3}\n", source: "x.yaml") }
        #expect(throws: (any Error).self) { _ = try Experiment(text: base + "fixed_points: {input: [1, 2]}\n", source: "x.yaml") }
        #expect(throws: (any Error).self) { _ = try Experiment(text: base + "fixed_points: {model_file: m.safetensors}\ninit: {weight_hh: {kind: orthogonal}}\n", source: "x.yaml") }
        #expect(throws: (any Error).self) {
            _ = try Experiment(text: "name: r\nmode: gradient-flow\nmodel: {hidden: 4}\nsequence: {length: 5}\nfixed_points: {}\n", source: "x.yaml")
        }
        #expect(throws: (any Error).self) {
            _ = try Experiment(text: "name: r\nmode: gradient-flow\nmodel: {hidden: 4}\nsequence: {length: 5}\nplots: [{recipe: fixed-point-states}]\n", source: "x.yaml")
        }
        _ = try Experiment(text: base + "fixed_points: {input: 0.5, initial_states: 8}\nplots: [{recipe: fixed-point-eigenvalues}]\n", source: "x.yaml")
    }
}

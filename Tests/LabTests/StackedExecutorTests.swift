import Sweeps
import Lab
import Foundation
import Linalg
import Testing
@testable import ExperimentPlots
@testable import Lab

/// `model.layers` / `model.bidirectional` in the runner, checked against the linear lattice closed form,
/// and the `depth-time-heatmap` recipe drawn from a real run.
@Suite struct StackedExecutorTests {
    /// Linear cells, W_hh = a·I and W_ih = b·I in every layer (identity init scaled), D = H.
    static let linearLattice = """
    name: lattice
    mode: gradient-flow
    seed: 1
    model: {cell: rnn, activation: linear, hidden: 4, input: 4, bias: false, layers: 3}
    init:
      weight_hh: {kind: identity, scale: 0.9}
      weight_ih: {kind: identity, scale: 0.6}
    sequence: {length: 30, input: {kind: gaussian, std: 1.0}}
    measure: [grad_norm, jacobian_norm]
    diagnostics: {lags: all}
    sweep:
      model.layers: [1, 3]
    plots:
      - {recipe: depth-time-heatmap}
      - {recipe: depth-profile, color: model.layers}
    """

    static func log10Binomial(_ n: Int, _ k: Int) -> Double {
        (lgamma(Double(n + 1)) - lgamma(Double(k + 1)) - lgamma(Double(n - k + 1))) / Foundation.log(10)
    }

    /// grad_norm_log10 at (t, ℓ) = log10 C(i + j, i) + i·log10 a + j·log10 b for a unit adjoint; the
    /// within-layer products are a^k, the depth products b^d; series carry layer and direction.
    @Test func stackedGradientFlowMatchesTheLatticeClosedForm() throws {
        let e = try Experiment(text: Self.linearLattice, source: "lattice.yaml")
        let c = try #require(e.configurations.first { $0.spec.model.layers == 3 })
        var random = c.randomStream
        let result = try #require(ExecutorRegistry.standard[.gradientFlow]).run(c, &random)
        #expect(result.status == .ok)
        let grad = result.series.filter { $0.metric == "grad_norm_log10" }
        #expect(grad.count == 3 * 30 && Set(grad.map(\.layer)) == [0, 1, 2] && grad.allSatisfy { $0.direction == "forward" })
        for p in grad {
            let i = 30 - p.step, j = 2 - p.layer
            #expect(abs(p.value - (Self.log10Binomial(i + j, i) + Double(i) * log10(0.9) + Double(j) * log10(0.6))) < 1e-11)
        }
        for p in result.series where p.metric == "jacobian_norm_log10" { #expect(abs(p.value - Double(p.step) * log10(0.9)) < 1e-11) }
        let depth = result.series.filter { $0.metric == "depth_jacobian_norm_log10" }
        #expect(depth.count == 6)
        for p in depth { #expect(abs(p.value - Double(p.step) * log10(0.6)) < 1e-12 && p.layer == 2 - p.step) }
        #expect(result.summary["dominant_path_time_moves"] == .integer(29) && result.summary["dominant_path_depth_moves"] == .integer(2))
        let depthSlope = try #require(result.summary["depth_slope_log10_per_layer"]?.number)
        #expect(depthSlope < 0)
    }

    @Test func bidirectionalRunStoresBothDirectionsAndDrawsTheHeatmap() async throws {
        let e = try Experiment(text: Self.linearLattice, source: "lattice.yaml",
                               overrides: ["model.bidirectional=true", "model.activation=tanh"])
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("gradlab-stacked-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        _ = try await Runner.run(e, executor: ExecutorRegistry.standard, options: RunOptions(outDirectory: dir, jobs: 2, progress: .silent))
        let store = try ResultStore(existing: dir)
        let rows = try store.table("SELECT layer, direction, COUNT(*) FROM series WHERE metric = 'grad_norm_log10' GROUP BY layer, direction ORDER BY layer, direction").rows
        #expect(rows.map { "\($0[0]) \($0[1]) \($0[2])" } == ["0 \"forward\" 60", "0 \"reverse\" 60", "1 \"forward\" 30", "1 \"reverse\" 30", "2 \"forward\" 30", "2 \"reverse\" 30"])
        let header = try String(contentsOf: dir.appendingPathComponent("series.csv"), encoding: .utf8).split(separator: "\n")[0]
        #expect(header == "run_id,metric,step,component,value,layer,direction")
        let written = try RunPlots.render(runDirectory: dir, formats: [.png])
        #expect(written.map { URL(fileURLWithPath: $0).lastPathComponent } == ["1-depth-time-heatmap.png", "2-depth-profile.png"])
    }

    /// The depth profile reads every layer's `depth_jacobian_norm_log10` at t = T: d·log10 b on the lattice.
    @Test func depthProfileSummaryIsTheDepthAxisOfTheLattice() async throws {
        let e = try Experiment(text: Self.linearLattice, source: "lattice.yaml")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("gradlab-depth-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        _ = try await Runner.run(e, executor: ExecutorRegistry.standard, options: RunOptions(outDirectory: dir, jobs: 1, progress: .silent))
        let data = try RunData(store: try ResultStore(existing: dir))
        let group = try #require(data.groups.first { data.number("model.layers", $0) == 3 })
        let s = try data.summary(.depthJacobianNormLog10, group)
        #expect(s.steps == [0, 1, 2])
        for (d, v) in zip(s.steps, s.mean) { #expect(abs(v - Double(d) * log10(0.6)) < 1e-12) }
        let figure = try #require(try RunPlots.depthProfile(e.points[0].spec.plots[1], data))
        #expect(figure.panels.count == 1)
    }

    /// One file per facet value; with `scale: shared` all on one colour scale (the largest |log10 norm| of
    /// any file): with W_hh = 0.9·I and 0.5·I the files alone reach 29·|log10 0.9| and 29·log10 2 (the
    /// default, per facet); shared, both use the latter.
    @Test func depthTimeHeatmapFacetFilesShareTheColourScale() async throws {
        let text = Self.linearLattice
            .replacingOccurrences(of: "{recipe: depth-time-heatmap}", with: "{recipe: depth-time-heatmap, facet: init.weight_hh.scale, scale: shared}")
            .replacingOccurrences(of: "model.layers: [1, 3]", with: "init.weight_hh.scale: [0.9, 0.5]")
            .replacingOccurrences(of: "color: model.layers", with: "color: init.weight_hh.scale")
        let e = try Experiment(text: text, source: "lattice.yaml")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("gradlab-facets-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        _ = try await Runner.run(e, executor: ExecutorRegistry.standard, options: RunOptions(outDirectory: dir, jobs: 1, progress: .silent))
        let data = try RunData(store: try ResultStore(existing: dir))
        let figures = try RunPlots.figures(for: e.points[0].spec.plots[0], data: data)
        #expect(figures.map(\.0) == ["0.9", "0.5"])
        for norm in figures.map({ $0.1.panels[0].colorScale?.norm }) {
            guard case .linear(let lo, let hi)? = norm else { Issue.record("expected a linear colour norm"); continue }
            #expect(abs(hi - 29 * log10(2.0)) < 1e-9 && lo == -hi)
        }
        var perFacet = e.points[0].spec.plots[0]
        perFacet.scale = nil
        let own = try RunPlots.figures(for: perFacet, data: data).compactMap { $0.1.panels[0].colorScale?.norm.bounds.hi }
        #expect(own.count == 2 && abs(own[0] - 29 * abs(log10(0.9))) < 1e-9 && abs(own[1] - 29 * log10(2.0)) < 1e-9)
    }

    @Test func singleLayerMeasuresAreRejectedForStackedModels() throws {
        for (overrides, message) in [(["measure=[grad_norm, singular_values]", "plots=[]"], "measure singular_values is for single-layer models"),
                                     (["mode=lyapunov", "measure=[lyapunov]", "plots=[]"], "mode lyapunov needs a single-layer model")] {
            let e = try Experiment(text: Self.linearLattice, source: "lattice.yaml", overrides: overrides)
            let c = try #require(e.configurations.first { $0.spec.model.layers == 3 })
            let entry = try #require(ExecutorRegistry.standard[c.spec.mode])
            #expect { try entry.check(c.spec) } throws: { "\($0)".contains(message) }
        }
    }
}

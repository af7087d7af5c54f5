import Foundation
import Testing
@testable import ExperimentPlots
import Sweeps
import Lab
import Plotting

/// A run's charts tried as a new user would: zipped paths get their own legend entries, singular values
/// are never pooled across grid points, heatmap colour ranges are per facet by default (shared on request)
/// and say so, exact zeros keep their own colour, panel titles read "L = 1" not "layers = 1".
@Suite struct HonestRunChartsTests {
    static let text = """
    name: honest
    mode: gradient-flow
    model: {hidden: 3}
    init: {weight_hh: {kind: gaussian, spectral_radius: 1.0}}
    sequence: {length: 12}
    replicates: 2
    measure: [grad_norm, singular_values]
    diagnostics: {singular_value_lags: [1, 4]}
    sweep:
      init.weight_hh.spectral_radius: [0.5, 2.0]
    zip:
      sequence.length: [6, 12]
      model.hidden: [3, 4]
    plots:
      - {recipe: norm-vs-lag, color: init.weight_hh.spectral_radius}
      - {recipe: singular-values}
      - {recipe: phase-heatmap, x: init.weight_hh.spectral_radius, y: lag, facet: model.hidden}
      - {recipe: depth-time-heatmap}
      - {recipe: depth-time-heatmap, scale: shared, facet: model.hidden}
    """

    /// grad_norm_log10 = (T − t)·log10 g exactly (an exact zero, −∞, at t = 1 for g = 0.5, T = 12);
    /// singular values log10 σ_i = i·log10 g − replicate at lag 4 (i = 0…H−1), and at lag 1 too.
    static func registry() -> ExecutorRegistry {
        var registry = ExecutorRegistry()
        registry.register(.gradientFlow) { configuration, _ in
            let spec = configuration.spec
            let g = spec.initialization.weightHH?.spectralRadius ?? 1, T = spec.sequence.length
            var series: [SeriesPoint] = []
            for t in 0...T {
                let v = g == 0.5 && T == 12 && t == 1 ? -Double.infinity : Double(T - t) * log10(g)
                series.append(SeriesPoint(.gradNormLog10, step: t, value: v))
            }
            for lag in [1, 4] {
                for i in 0..<spec.model.hidden {
                    series.append(SeriesPoint(.singularValueLog10, step: lag, component: i, value: Double(i) * log10(g) - Double(configuration.replicate)))
                }
            }
            return ConfigurationResult(summary: [:], series: series)
        }
        return registry
    }

    static func run() async throws -> (URL, Experiment) {
        let e = try Experiment(text: text, source: "honest.yaml")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("gradlab-honest-\(UUID().uuidString)")
        _ = try await Runner.run(e, executor: registry(), options: RunOptions(outDirectory: dir, jobs: 1, progress: .silent))
        return (dir, e)
    }

    @Test func runChartsDoNotMislead() async throws {
        let (dir, e) = try await Self.run()
        let data = try RunData(store: try ResultStore(existing: dir), title: "honest")
        let plots = e.points[0].spec.plots

        // norm-vs-lag coloured by ρ: the zipped (T, H) pairs are told apart by marker and named in the
        // legend by their symbols; two values of ρ get a discrete key.
        let lag = try #require(try RunPlots.normVsLag(plots[0], data))
        let axes = lag.panels[0]
        #expect(axes.colorScale?.levels == [0.5, 2.0])
        let styleRows = axes.legendEntries.map(\.label).filter { $0.hasPrefix("H = ") }
        #expect(styleRows == ["H = 3, T = 6", "H = 4, T = 12"])
        let markers = axes.marks.compactMap { if case .scatter(let s) = $0 { return s.marker } else { return nil } }
        #expect(Set(markers) == [.circle, .square] && markers.count == 4)

        // singular-values: one histogram per grid point (4), each pooling only its 2 replicates, at lag 4.
        let sv = try RunPlots.singularValues(plots[1], data)
        #expect(sv.count == 1)
        let figure = sv[0].1
        #expect(figure.panels.count == 4)
        #expect(figure.panels.map(\.title).allSatisfy { $0?.hasSuffix(", lag 4") == true && $0?.contains("ρ(W_{hh}) = ") == true })
        #expect(figure.note?.hasPrefix("One histogram per grid point: 2 replicates pooled, nothing else.") == true)
        for p in figure.panels {
            guard case .histogram(let h) = p.marks[0] else { Issue.record("expected a histogram"); continue }
            #expect(h.values.count == (p.title?.contains("H = 3") == true ? 6 : 8))   // H values × 2 replicates
        }

        // phase-heatmap per facet (default): each file its own ±limit, and a note saying so.
        let phases = try RunPlots.phaseHeatmaps(plots[2], data)
        #expect(phases.map(\.0) == ["3", "4"])
        let limits = phases.compactMap { $0.1.panels[0].colorScale?.norm.bounds.hi }
        #expect(limits == [6 * log10(2.0), 12 * log10(2.0)])
        #expect(phases.allSatisfy { $0.1.note?.contains("this file's own range (scale: per-facet") == true })

        // depth-time-heatmap, default: every panel its own range and colour bar; −∞ stays −∞ (the zero
        // colour); titles by symbol.
        let own = try RunPlots.depthTimeHeatmaps(plots[3], data)
        #expect(own.count == 1)
        let panels = own[0].1.panels
        #expect(panels.count == 4 && panels.allSatisfy { $0.colorScale?.showsColorbar == true })
        // Steps t ≥ 1: ±5·log10 2 (T = 6), ±10·log10 2 (ρ = 0.5, T = 12, beside its −∞), ±11·log10 2.
        #expect(Set(panels.compactMap { $0.colorScale?.norm.bounds.hi }) == [5 * log10(2.0), 10 * log10(2.0), 11 * log10(2.0)])
        #expect(panels.compactMap(\.title).allSatisfy { $0.contains("H = ") && !$0.contains("hidden = ") })
        #expect(panels.contains { p in
            if case .heatmap(let h) = p.marks[0] { return h.values.contains(-.infinity) } else { return false }
        })
        #expect(own[0].1.note?.contains("each panel its own range") == true)
        let r = RecordingRenderer()
        _ = try own[0].1.render(to: r)
        #expect(r.texts.contains("exactly 0"))

        // scale: shared: one ±limit over every panel of both facet files.
        let shared = try RunPlots.depthTimeHeatmaps(plots[4], data)
        #expect(shared.count == 2)
        let bounds = Set(shared.flatMap { $0.1.panels.compactMap { $0.colorScale?.norm.bounds.hi } })
        #expect(bounds == [11 * log10(2.0)])
        #expect(shared.allSatisfy { $0.1.note?.contains("all 2 files") == true })
        try? FileManager.default.removeItem(at: dir)
    }

    @Test func scaleIsValidatedAndListed() throws {
        let base = Self.text.replacingOccurrences(of: "\n  - {recipe: depth-time-heatmap, scale: shared, facet: model.hidden}", with: "\n")
        let wrongRecipe = base + "  - {recipe: norm-vs-lag, scale: shared}\n"
        #expect(throws: (any Error).self) { try Experiment(text: wrongRecipe, source: "x.yaml") }
        do {
            _ = try Experiment(text: base + "  - {recipe: depth-time-heatmap, scale: share}\n", source: "x.yaml")
            Issue.record("a misspelt scale was accepted")
        } catch {
            let message = String(describing: error)
            #expect(message.contains("x.yaml:") && message.contains("shared") && message.contains("per-facet"), "\(message)")
        }
        do {
            _ = try Experiment(text: wrongRecipe, source: "x.yaml")
        } catch {
            #expect(String(describing: error).contains("scale does not apply"), "\(error)")
        }
        #expect(PlotScale.choices.map(\.word) == ["per-facet", "shared"])
    }
}

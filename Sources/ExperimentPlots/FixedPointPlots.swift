import Foundation
import Lab
import Plotting
import Sweeps

/// `fixed-point-states` and `fixed-point-eigenvalues`: the points of `mode: fixed-points` as stored
/// (series indexed by point; docs/dynamics.md), one figure per run — replicates of an untrained
/// network are different networks with different points, so nothing is pooled.
enum FixedPointPlots {
    /// One stored point: its class, kind, position in the pool's principal components and eigenvalues.
    struct StoredPoint {
        var stability: String
        var isFixed: Bool
        var unstableModes: Int
        var pc: [Double]
        var eigenvalues: [(re: Double, im: Double)]
    }

    /// One run's points, the pool's explained variance and its first runs, with a file suffix and a title.
    struct StoredRunPoints {
        var suffix: String?
        var title: String
        var points: [StoredPoint]
        var explainedVariance: [Double]
        var trajectories: [(xs: [Double], ys: [Double])]
    }

    /// The points of every ok run.
    static func runs(_ data: RunData) throws -> [StoredRunPoints] {
        let stability = try data.series(.pointStability), fixed = try data.series(.pointFixed), unstable = try data.series(.pointUnstableModes)
        let pcs = try data.series(.pointPC), re = try data.series(.pointEigenvalueRe), im = try data.series(.pointEigenvalueIm)
        let variance = try data.series(.poolExplainedVariance), trajectories = try data.series(.trajectoryPC)
        let total = data.groups.reduce(0) { $0 + $1.runs.count }
        var out: [StoredRunPoints] = []
        for group in data.groups {
            for run in group.runs {
                guard let classes = stability[run.runID] else { continue }
                func byPoint(_ rows: [String: [SeriesValue]]) -> [Int: [SeriesValue]] { Dictionary(grouping: rows[run.runID] ?? [], by: \.step) }
                let fixedBy = byPoint(fixed), unstableBy = byPoint(unstable), pcBy = byPoint(pcs), reBy = byPoint(re), imBy = byPoint(im)
                let points = classes.sorted { $0.step < $1.step }.map { c -> StoredPoint in
                    func entries(_ rows: [Int: [SeriesValue]]) -> [Double] { (rows[c.step] ?? []).sorted { $0.component < $1.component }.map(\.value) }
                    return StoredPoint(stability: Metric.pointStabilityName(c.value) ?? "?", isFixed: fixedBy[c.step]?.first?.value == 1,
                                       unstableModes: Int(unstableBy[c.step]?.first?.value ?? 0), pc: entries(pcBy),
                                       eigenvalues: zip(entries(reBy), entries(imBy)).map { (re: $0.0, im: $0.1) })
                }
                var runs: [Int: [(Int, Double)]] = [:]
                for v in trajectories[run.runID] ?? [] { runs[v.component, default: []].append((v.step, v.value)) }
                let lines: [(xs: [Double], ys: [Double])] = stride(from: 0, to: (runs.keys.max() ?? -1) + 1, by: 2).compactMap { c in
                    guard let x = runs[c]?.sorted(by: { $0.0 < $1.0 }) else { return nil }
                    let y = runs[c + 1]?.sorted(by: { $0.0 < $1.0 }).map(\.1) ?? [Double](repeating: 0, count: x.count)
                    return (x.map(\.1), y)
                }
                let label = data.label(excluding: [], group)
                let replicate = group.runs.count > 1 ? "replicate \(run.replicate)" : nil
                let name = [label, replicate].compactMap { $0 }.joined(separator: ", ")
                // File names from the raw swept values (`2-fixed-point-states-1.2-r0`), titles from the catalog's.
                let raw = group.values.sorted { $0.key < $1.key }.map { "\($0.value)" } + (group.runs.count > 1 ? ["r\(run.replicate)"] : [])
                out.append(StoredRunPoints(suffix: total > 1 ? RunPlots.fileSafe(raw.isEmpty ? run.runID : raw.joined(separator: "-")) : nil,
                                           title: [data.title, name.isEmpty ? nil : name].compactMap { $0 }.joined(separator: " — "),
                                           points: points,
                                           explainedVariance: (variance[run.runID] ?? []).sorted { $0.step < $1.step }.map(\.value),
                                           trajectories: lines))
            }
        }
        return out
    }

    /// The points and the first autonomous runs (grey) in the start pool's top two principal
    /// components, one marker per class and kind — `gradlab fixed-points --plot-states` from the store.
    static func states(_ plot: PlotSpec, _ data: RunData) throws -> [(String?, Figure)] {
        let shapes: [String: MarkerShape] = ["stable": .circle, "marginal": .diamond, "saddle": .cross, "unstable": .square]
        return try runs(data).compactMap { run in
            var groups: [StateSpaceGroup] = []
            for stability in Metric.pointStabilityNames {
                for fixed in [true, false] {
                    let chosen = run.points.filter { $0.stability == stability && $0.isFixed == fixed && !$0.pc.isEmpty }
                    guard !chosen.isEmpty else { continue }
                    groups.append(StateSpaceGroup(xs: chosen.map { $0.pc[0] }, ys: chosen.map { $0.pc.count > 1 ? $0.pc[1] : 0 },
                                                  label: "\(stability) \(fixed ? "fixed" : "slow") (\(chosen.count))", marker: shapes[stability] ?? .circle))
                }
            }
            guard !groups.isEmpty else { return nil }
            let ev = run.explainedVariance.map { String(format: "%.0f%%", 100 * $0) }
            let y = ev.count > 1 ? "PC 2 (\(ev[1]) of variance)" : "PC 2 (none: the state is one-dimensional)"
            return (run.suffix, Recipe.stateSpace(StateSpaceChart(trajectories: run.trajectories, groups: groups,
                                                                  xLabel: "PC 1 (\(ev.first ?? "–") of variance)", yLabel: y,
                                                                  title: "\(run.title): fixed and slow points")))
        }
    }

    /// Each point's eigenvalues against the unit circle, the first 12 points (fixed before slow, by q).
    static func eigenvalues(_ plot: PlotSpec, _ data: RunData) throws -> [(String?, Figure)] {
        try runs(data).compactMap { run in
            guard !run.points.isEmpty else { return nil }
            let sets = run.points.prefix(12).enumerated().map { k, p in
                EigenvalueSet(real: p.eigenvalues.map(\.re), imag: p.eigenvalues.map(\.im), label: nil,
                              facet: "#\(k) \(p.isFixed ? "" : "slow ")\(p.stability)\(p.unstableModes > 0 ? " (\(p.unstableModes) unstable)" : "")")
            }
            let more = run.points.count > 12 ? " (first 12 of \(run.points.count) points)" : ""
            return (run.suffix, Recipe.eigenvalues(EigenvaluesChart(sets: Array(sets), title: "\(run.title): eigenvalues of ∂F/∂s at each point\(more)")))
        }
    }
}

import Foundation
import Lab
import Sweeps

/// The findings paragraph of a run, generated from its stored summary columns (never recomputed):
/// - gradient-flow: per value of the other swept keys, where along the swept gain (ρ(W_hh), ‖W_hh‖₂ or
///   the first numeric swept key) the stored `label` says vanishing, stable or exploding, with the
///   steepest stored `slope_log10_per_step` of each regime (mean over the grid point's ok replicates);
/// - lyapunov: the same with the sign of `lambda_max` as the regime;
/// - train: per method, which lengths it solved, in how many of the replicates and after how many
///   iterations (mean of `iterations_to_solve` over the replicates that solved).
enum Findings {
    static func sentences(_ run: ReportedRun) -> [String] {
        let ok = run.rows.filter { $0.status == ConfigurationResult.Status.ok.rawValue }
        var out: [String] = []
        if ok.isEmpty { out.append("No configuration finished ok, so there is nothing to summarise.") }
        else if run.mode == Mode.train.rawValue { out += training(sweptPaths: run.sweptPaths, ok) }
        else if run.mode == Mode.lyapunov.rawValue { out += regimes(run, ok, regime: lyapunovRegime, slope: .lambdaMax, growing: chaotic) }
        else { out += regimes(run, ok, regime: { $0.summary[Metric.label]?.description }, slope: .slopeLog10PerStep, growing: "exploding") }
        let failed = run.rows.count - ok.count
        if failed > 0 {
            out.append("\(failed) of \(run.rows.count) runs did not finish ok (listed with their reason and step below); the charts and findings use the ok runs only.")
        }
        return out
    }

    /// `chaotic` where the stored λ_max > 0, `contracting` where < 0, `marginal` at 0.
    static func lyapunovRegime(_ row: RunRow) -> String? {
        guard let l = row.summary[Metric.lambdaMax]?.number, l.isFinite else { return nil }
        return l > 0 ? chaotic : l < 0 ? "contracting (λ_max < 0)" : neutral[1]
    }

    static let chaotic = "chaotic (λ_max > 0)"
    /// Regimes without a rate worth quoting (their slope or exponent is zero up to rounding).
    static let neutral = ["stable", "marginal (λ_max = 0)"]

    /// The swept key a regime sentence runs along: the spectral radius or norm of W_hh when swept, else
    /// the first swept key whose values are all numbers.
    static func axis(_ run: ReportedRun, _ rows: [RunRow]) -> String? {
        let preferred = ["init.weight_hh.spectral_radius", "init.weight_hh.spectral_norm"]
        return (preferred.filter(run.sweptPaths.contains) + run.sweptPaths).first { path in
            rows.allSatisfy { $0.swept[path]?.number != nil }
        }
    }

    /// One sentence per value of the other swept keys: each regime's values along the axis and its
    /// steepest `slope` value; then which of those groups reach the `growing` regime at all.
    static func regimes(_ run: ReportedRun, _ rows: [RunRow], regime: (RunRow) -> String?, slope: Metric, growing: String) -> [String] {
        guard rows.contains(where: { regime($0) != nil }) else {
            return ["The runs stored no \(slope == .lambdaMax ? Metric.lambdaMax.name : Metric.label.name) column, so no regime can be named."]
        }
        guard let axis = axis(run, rows) else {
            // Nothing numeric swept: one regime per grid point.
            let points = grouped(rows, by: run.sweptPaths)
            return points.map { key, rows in
                "\(key.isEmpty ? "The configuration" : key): \(majority(rows.compactMap(regime)) ?? "no regime")\(slopeText(rows, slope))."
            }
        }
        let symbol = Metric.plainText(ParameterTitle.symbol(for: axis))
        let others = run.sweptPaths.filter { $0 != axis }
        var sentences: [String] = []
        var reached: [String: [String]] = [:] // regime → groups that reach it
        let groups = grouped(rows, by: others)
        for (key, groupRows) in groups {
            let points = grouped(groupRows, by: [axis]).compactMap { _, r -> (x: Double, regime: String, rows: [RunRow])? in
                guard let x = r[0].swept[axis]?.number, let reg = majority(r.compactMap(regime)) else { return nil }
                return (x, reg, r)
            }.sorted { $0.x < $1.x }
            var parts: [String] = []
            for reg in unique(points.map(\.regime)) {
                let members = points.filter { $0.regime == reg }
                reached[reg, default: []].append(key)
                let range = describe(members.map(\.x), among: points.map(\.x), symbol: symbol)
                // The steepest member: the largest |slope|.
                let steepest = neutral.contains(reg) ? nil : members.compactMap { m in mean(m.rows, slope).map { (m.x, $0) } }.max { abs($0.1) < abs($1.1) }
                let detail = steepest.map { " (\(Format.signed($0.1, digits: 3)) \(slope.unit) at \(symbol) = \(Format.number($0.0)))" } ?? ""
                parts.append("\(reg) at \(range)\(detail)")
            }
            let prefix = key.isEmpty ? "" : "\(key): "
            sentences.append(prefix + (parts.isEmpty ? "no regime recorded" : parts.joined(separator: "; ")) + ".")
        }
        // Which groups reach the growing regime at all, when that differs between groups.
        let who = reached[growing] ?? []
        if who.isEmpty { sentences.append("No configuration is \(growing).") }
        else if groups.count > 1 && who.count < groups.count {
            sentences.append("\(growing.prefix(1).uppercased() + growing.dropFirst()) only for \(who.joined(separator: " and ")).")
        }
        return sentences
    }

    /// Per method (the swept `method`, else the other swept values) and length: replicates solved and
    /// mean iterations to solve.
    static func training(sweptPaths: [String], _ rows: [RunRow]) -> [String] {
        guard rows.contains(where: { $0.summary[Metric.solved] != nil }) else {
            return ["The runs stored no \(Metric.solved.name) column, so which method solved what cannot be said."]
        }
        let lengthPath = sweptPaths.first { $0 == "task.length" }
        let byMethod = sweptPaths.contains(ExperimentSpec.methodKey)
        let methodPaths = byMethod ? [ExperimentSpec.methodKey] : sweptPaths.filter { $0 != lengthPath }
        var sentences: [String] = []
        for (key, methodRows) in grouped(rows, by: methodPaths) {
            var solvedParts: [String] = [], unsolved: [String] = []
            let byLength = Dictionary(grouping: methodRows) { r in
                lengthPath.flatMap { r.swept[$0]?.number } ?? r.summary[Metric.sequenceLength]?.number ?? 0
            }
            for length in byLength.keys.sorted() {
                let r = byLength[length] ?? []
                let solved = r.filter { $0.summary[Metric.solved]?.number == 1 }
                let t = "T = \(Format.number(length))"
                if solved.isEmpty { unsolved.append("\(t) (0/\(r.count) replicates)"); continue }
                let iterations = solved.compactMap { $0.summary[Metric.iterationsToSolve]?.number }
                let when = iterations.isEmpty ? "" : ", \(Format.number(iterations.reduce(0, +) / Double(iterations.count), digits: 3)) iterations on average"
                solvedParts.append("\(t) (\(solved.count)/\(r.count) replicates\(when))")
            }
            // A swept `method` is its own name; other swept values read `title = value`.
            let method = byMethod ? (methodRows.first?.swept[ExperimentSpec.methodKey]?.description ?? key) : (key.isEmpty ? "The method" : key)
            let parts = (solvedParts.isEmpty ? [] : ["solved " + solvedParts.joined(separator: ", ")])
                + (unsolved.isEmpty ? [] : ["did not solve " + unsolved.joined(separator: ", ")])
            sentences.append("\(method): \(parts.joined(separator: "; ")).")
        }
        return sentences
    }

    // MARK: - Helpers

    /// Rows grouped by their values of `paths` (`path = value, …`), in first-seen order.
    static func grouped(_ rows: [RunRow], by paths: [String]) -> [(key: String, rows: [RunRow])] {
        var order: [String] = [], byKey: [String: [RunRow]] = [:]
        for r in rows {
            let key = r.pointTitle(paths)
            if byKey[key] == nil { order.append(key) }
            byKey[key, default: []].append(r)
        }
        return order.map { ($0, byKey[$0] ?? []) }
    }

    /// The most frequent value (ties: the first seen).
    static func majority(_ values: [String]) -> String? {
        unique(values).max { a, b in values.filter { $0 == a }.count < values.filter { $0 == b }.count }
    }

    static func unique(_ values: [String]) -> [String] {
        var seen: [String] = []
        for v in values where !seen.contains(v) { seen.append(v) }
        return seen
    }

    /// The mean of a stored numeric column over rows that have it finite.
    static func mean(_ rows: [RunRow], _ metric: Metric) -> Double? {
        let v = rows.compactMap { $0.summary[metric]?.number }.filter(\.isFinite)
        return v.isEmpty ? nil : v.reduce(0, +) / Double(v.count)
    }

    static func slopeText(_ rows: [RunRow], _ slope: Metric) -> String {
        mean(rows, slope).map { " (\(Format.signed($0, digits: 3)) \(slope.unit))" } ?? ""
    }

    /// `ρ ≤ 0.9` when `xs` are the smallest of `all`, `ρ ≥ 1.1` the largest, `ρ = 1` one value, else `ρ ∈ {…}`.
    static func describe(_ xs: [Double], among all: [Double], symbol: String) -> String {
        let sortedAll = all.sorted(), sorted = xs.sorted()
        guard let first = sorted.first, let last = sorted.last else { return "no \(symbol)" }
        if sorted.count == 1 { return "\(symbol) = \(Format.number(first))" }
        if sorted.count == sortedAll.count { return "every \(symbol) (\(Format.number(first)) to \(Format.number(last)))" }
        if Array(sortedAll.prefix(sorted.count)) == sorted { return "\(symbol) ≤ \(Format.number(last))" }
        if Array(sortedAll.suffix(sorted.count)) == sorted { return "\(symbol) ≥ \(Format.number(first))" }
        return "\(symbol) ∈ {\(sorted.map { Format.number($0) }.joined(separator: ", "))}"
    }
}

/// Numbers as a report prints them: up to 4 significant digits (the exact stored value stays in the
/// table's `data-sort` and `title`); `inf`, `-inf`, `nan` as words.
enum Format {
    static func number(_ x: Double, digits significant: Int = 4) -> String {
        guard x.isFinite else { return x.isNaN ? "nan" : x > 0 ? "inf" : "-inf" }
        if x == x.rounded(), abs(x) < 1e15 { return String(Int64(x)) }
        let a = abs(x)
        if a >= 1e-3 && a < 1e6 {
            let digits = max(0, significant - 1 - Int(log10(a).rounded(.down)))
            var s = String(format: "%.\(digits)f", x)
            if s.contains(".") { while s.hasSuffix("0") { s.removeLast() }; if s.hasSuffix(".") { s.removeLast() } }
            return s
        }
        return String(format: "%.\(significant - 1)e", x)
    }

    /// With an explicit sign: `+0.04`, `-0.301`.
    static func signed(_ x: Double, digits: Int = 4) -> String { x > 0 ? "+" + number(x, digits: digits) : number(x, digits: digits) }

    /// Seconds as `1:03` (m:ss) or `1:02:03`.
    static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds >= 0, seconds < 1e12 else { return "–" }
        let s = Int(seconds.rounded())
        return s >= 3600 ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String(format: "%d:%02d", s / 60, s % 60)
    }
}

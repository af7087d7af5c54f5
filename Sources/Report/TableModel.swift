import Foundation
import Lab
import Sweeps

/// A real `<table>` of the page: headers with units, one row per stored run (or per matched
/// configuration), cells with the shown text and, for numbers, the exact stored value (`data-sort`,
/// `title`) that the page's script sorts by. `filters` are the swept columns the script offers to filter on.
/// Only stored properties reach the template (Mustache looks values up by reflection).
struct TableModel {
    struct Header {
        let title: String
        let unit: String?
        /// The stored column name (the header's tooltip).
        let name: String
        /// "swept" for a swept key's column (its title can equal a measured column's: ρ(W_hh) set vs measured).
        let note: String?
        let cls: String?

        init(title: String, unit: String?, name: String, swept: Bool = false) {
            self.title = title
            self.unit = unit
            self.name = name
            note = swept ? "swept" : nil
            cls = name == "run_id" ? "id" : nil
        }
    }
    struct Cell {
        let text: String
        /// The exact value for sorting and the tooltip (numbers only).
        let sort: String?
        let cls: String?
    }
    struct Row { let status: String; let cells: [Cell] }
    struct Filter { let column: Int; let label: String; let options: [String] }

    let id: String
    let caption: String
    let headers: [Header]
    let rows: [Row]
    let filters: [Filter]
    let hasFilters: Bool

    init(id: String, caption: String, headers: [Header], rows: [Row], filters: [Filter]) {
        self.id = id
        self.caption = caption
        self.headers = headers
        self.rows = rows
        self.filters = filters
        hasFilters = !filters.isEmpty
    }

    /// Every run of a directory: replicate, swept values, status, summary columns with units, seconds, run id.
    static func runs(_ run: ReportedRun, id: String) -> TableModel {
        var headers = [Header(title: "replicate", unit: nil, name: "replicate")]
        headers += run.sweptPaths.map { Header(title: Metric.plainText(ParameterTitle.title(for: $0)), unit: nil, name: $0, swept: true) }
        headers.append(Header(title: "status", unit: nil, name: "status"))
        headers += run.summaryColumns.map(header)
        headers += [Header(title: "seconds", unit: "s", name: "seconds"), Header(title: "run id", unit: nil, name: "run_id")]
        let rows = run.rows.map { r in
            var cells = [cell(.integer(Int64(r.replicate)))]
            cells += run.sweptPaths.map { cell(r.swept[$0]) }
            cells.append(Cell(text: r.status, sort: nil, cls: "status-" + r.status))
            cells += run.summaryColumns.map { cell(r.summary[$0]) }
            cells += [cell(r.seconds.map(StoredValue.number)), Cell(text: r.runID, sort: nil, cls: "id")]
            return Row(status: r.status, cells: cells)
        }
        let filters = run.sweptPaths.enumerated().map { i, path in
            Filter(column: i + 1, label: Metric.plainText(ParameterTitle.title(for: path)),
                   options: Findings.unique(run.rows.map { cell($0.swept[path]).text }))
        }
        let ok = run.rows.filter { $0.status == ConfigurationResult.Status.ok.rawValue }.count
        return TableModel(id: id, caption: "Runs of \(run.label): \(run.rows.count) stored (\(ok) ok), one row per configuration and replicate", headers: headers,
                          rows: rows, filters: filters)
    }

    /// The runs that failed or went non-finite, with their reason and step (nil when every run is ok).
    static func failures(_ run: ReportedRun, id: String) -> TableModel? {
        let bad = run.rows.filter { $0.status != ConfigurationResult.Status.ok.rawValue }
        guard !bad.isEmpty else { return nil }
        let headers = [Header(title: "configuration", unit: nil, name: "configuration"), Header(title: "replicate", unit: nil, name: "replicate"),
                       Header(title: "status", unit: nil, name: "status"), Header(title: "reason", unit: nil, name: "reason"),
                       Header(title: "step", unit: nil, name: "failed_step"), Header(title: "run id", unit: nil, name: "run_id")]
        let rows = bad.map { r in
            Row(status: r.status, cells: [Cell(text: r.pointTitle(run.sweptPaths), sort: nil, cls: "point"), cell(.integer(Int64(r.replicate))),
                                          Cell(text: r.status, sort: nil, cls: "status-" + r.status), Cell(text: r.reason ?? "–", sort: nil, cls: "reason"),
                                          cell(r.failedStep.map { StoredValue.integer(Int64($0)) }), Cell(text: r.runID, sort: nil, cls: "id")])
        }
        return TableModel(id: id, caption: "Runs of \(run.label) that failed or went non-finite", headers: headers, rows: rows, filters: [])
    }

    /// One row per matched configuration: each summary column per directory (mean of ok replicates) and
    /// Δ of each later directory against the first.
    static func comparison(_ c: Comparison, id: String) -> TableModel {
        var headers = [Header(title: "configuration", unit: nil, name: "configuration")]
        for column in c.columns {
            let h = header(column)
            for (k, run) in c.runs.enumerated() {
                headers.append(Header(title: "\(h.title) [\(k + 1). \(run.label)]", unit: h.unit, name: column))
            }
            if c.rows.contains(where: { $0.values[column]?.contains { $0?.number != nil } ?? false }) {
                for k in c.runs.indices.dropFirst() {
                    headers.append(Header(title: "Δ \(h.title) [\(k + 1) − 1]", unit: h.unit, name: column))
                }
            }
        }
        let rows = c.rows.map { row in
            var cells = [Cell(text: row.point, sort: nil, cls: "point")]
            for column in c.columns {
                let values = row.values[column] ?? []
                let first = values.first ?? nil
                cells += values.map { v in
                    let changed = v != nil && first != nil && v?.number == nil && v?.description != first?.description
                    let base = cell(v)
                    return changed ? Cell(text: base.text, sort: base.sort, cls: "changed") : base
                }
                if headers.contains(where: { $0.name == column && $0.title.hasPrefix("Δ") }) {
                    cells += c.runs.indices.dropFirst().map { k in
                        let d = c.difference(row, column, k)
                        return Cell(text: d.map { Format.signed($0) } ?? "–", sort: d.map(sortKey), cls: d.map { direction($0, of: row, column) })
                    }
                }
            }
            return Row(status: "ok", cells: cells)
        }
        return TableModel(id: id, caption: "Summary metrics per matching configuration (mean over each directory's ok replicates; Δ = later − first)",
                          headers: headers, rows: rows, filters: [])
    }

    /// `up`/`down` (coloured) for a difference beyond rounding (relative 1e-9 of the first value), else `same`.
    static func direction(_ d: Double, of row: Comparison.Row, _ column: String) -> String {
        let scale = abs(row.values[column]?.first??.number ?? 0)
        return abs(d) <= 1e-9 * max(scale, 1e-300) ? "same num" : d > 0 ? "up num" : "down num"
    }

    /// A summary column's header: the catalog's title and unit, else the stored name.
    static func header(_ column: String) -> Header {
        guard let m = Metric.named(column) else { return Header(title: column, unit: nil, name: column) }
        return Header(title: m.plainTitle, unit: m.unit.isEmpty ? nil : m.unit, name: column)
    }

    /// A stored value as a cell: numbers shortened for reading, exact in `data-sort`; missing as "–".
    static func cell(_ value: StoredValue?) -> Cell {
        switch value {
        case .none: return Cell(text: "–", sort: nil, cls: "missing")
        case let .text(s)?: return Cell(text: s, sort: nil, cls: nil)
        case let .integer(i)?: return Cell(text: String(i), sort: String(i), cls: "num")
        case let .number(d)?: return Cell(text: Format.number(d), sort: sortKey(d), cls: d.isFinite ? "num" : "num nonfinite")
        }
    }

    /// The exact value as JavaScript's `Number()` reads it (`Infinity`, `NaN` spelled its way).
    static func sortKey(_ d: Double) -> String {
        d.isNaN ? "NaN" : d.isInfinite ? (d > 0 ? "Infinity" : "-Infinity") : String(d)
    }
}

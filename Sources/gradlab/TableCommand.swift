import ArgumentParser
import Foundation
import Lab
import Sweeps

/// `gradlab table RUN_DIR`: a run's summary columns grouped by swept paths, mean ± sample sd over the
/// replicates (`RunTable`), as Markdown (titles from the metric catalog and `ParameterTitle`) or CSV
/// (stored names). The numbers of docs/gallery.md come from here.
struct TableCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "table",
        abstract: "Print a run's summary columns grouped by swept paths: mean ± sample sd over replicates, as Markdown or CSV.",
        discussion: """
        Reads RUN_DIR/results.sqlite. Each row is one combination of the --by paths' values (numbers ascending, \
        other values in the order of the experiment file stored with the run, RUN_DIR/experiment.yaml, whatever \
        order the configurations finished in; in the store's order if that file no longer loads); each cell is the mean over the row's ok runs that have a \
        value, ± the sample standard deviation (n − 1) when there are two or more; n is the number of ok runs \
        (a cell with fewer values says so: "(n = 2)"). The mean of a 0/1 column such as solved is the fraction. \
        Example: gradlab table runs/init-comparison --columns solved,final_eval_loss --by task.length,method
        """
    )

    @Argument(help: "The run directory (holds results.sqlite).")
    var runDirectory: String

    @Option(help: "Summary columns, comma-separated (default: every column some ok run filled; `gradlab list` names them).")
    var columns: String?

    @Option(help: "Swept paths to group by, comma-separated (default: every swept path, one row per grid point).")
    var by: String?

    @Option(name: .customLong("where"), help: "Keep runs whose swept PATH has VALUE (repeatable; several values of one path: any of them).")
    var filters: [String] = []

    @Option(help: "markdown or csv.")
    var format: TableFormat = .markdown

    @Option(help: "Significant digits of means and standard deviations (1…17).")
    var digits: Int = 3

    enum TableFormat: String, ExpressibleByArgument, CaseIterable {
        case markdown, csv
    }

    func validate() throws {
        guard (1...17).contains(digits) else { throw ValidationError("--digits \(digits): expected 1 to 17 significant digits") }
    }

    func run() throws {
        let parsedFilters = try filters.map { text -> RunTable.Filter in
            guard let eq = text.firstIndex(of: "="), eq != text.startIndex else {
                throw UserError("--where \(text): expected PATH=VALUE, e.g. --where task.length=100")
            }
            return RunTable.Filter(path: String(text[..<eq]), value: String(text[text.index(after: eq)...]), argument: text)
        }
        let directory = URL(fileURLWithPath: runDirectory)
        let table = try RunTable.read(directory: directory, columns: try list(columns, option: "--columns"),
                                      by: try list(by, option: "--by"), filters: parsedFilters,
                                      known: Set(Metric.all.filter { $0.sqlType != nil }.map(\.name)),
                                      gridOrder: GridOrder(runDirectory: directory, spec: ExperimentSpec.self))
        if table.groups.isEmpty { warn("\(runDirectory): no stored runs\(filters.isEmpty ? "" : " match the --where filters")") }
        switch format {
        case .markdown: print(TableText.markdown(table, digits: digits), terminator: "")
        case .csv: print(TableText.csv(table, digits: digits), terminator: "")
        }
    }

    /// A comma-separated option as a list (nil when not given); an empty name is an error.
    private func list(_ text: String?, option: String) throws -> [String]? {
        guard let text else { return nil }
        let items = text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        if items.contains("") { throw UserError("\(option) \(text): an empty name in the list (names are separated by single commas)") }
        return items
    }
}

/// The text of a `RunTable`.
enum TableText {
    /// A Markdown table: the `by` paths' titles, n, then each column's catalog title (without its
    /// parenthetical note); numeric columns right-aligned, text columns left-aligned. A "not ok" column appears when some run failed.
    static func markdown(_ table: RunTable, digits: Int) -> String {
        let showNotOK = table.groups.contains { $0.notOK > 0 }
        var header = table.byPaths.map { Metric.plainText(ParameterTitle.title(for: $0)) } + ["n"]
        var align = table.byPaths.map { _ in "---" } + ["---:"]
        if showNotOK { header.append("not ok"); align.append("---:") }
        header += columnTitles(table.columns)
        align += table.columns.indices.map { k in
            table.groups.contains { if case .texts = $0.cells[k] { return true } else { return false } } ? "---" : "---:"
        }
        var lines = [row(header), row(align)]
        for g in table.groups {
            var cells = g.values.map { escaped($0.description) } + [String(g.ok)]
            if showNotOK { cells.append(String(g.notOK)) }
            cells += g.cells.map { cellText($0, groupN: g.ok, digits: digits) }
            lines.append(row(cells))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// CSV with the stored names: the `by` paths, `n`, `not_ok`, then `<column>_mean`, `<column>_sd`,
    /// `<column>_n` (a TEXT column: `<column>` with `value×count` items separated by `;`).
    static func csv(_ table: RunTable, digits: Int) -> String {
        var header = table.byPaths + ["n", "not_ok"]
        for (k, c) in table.columns.enumerated() {
            let isText = table.groups.contains { if case .texts = $0.cells[k] { return true } else { return false } }
            header += isText ? [c] : [c + "_mean", c + "_sd", c + "_n"]
        }
        var lines = [header.map(csvField).joined(separator: ",")]
        for g in table.groups {
            var fields = g.values.map(\.description) + [String(g.ok), String(g.notOK)]
            for (k, cell) in g.cells.enumerated() {
                let isText = table.groups.contains { if case .texts = $0.cells[k] { return true } else { return false } }
                switch cell {
                case let .numbers(n, mean, sd): fields += [number(mean, digits: digits), sd.map { number($0, digits: digits) } ?? "", String(n)]
                case let .texts(counts): fields += [counts.map { "\($0.text)×\($0.count)" }.joined(separator: ";")]
                case .empty: fields += isText ? [""] : ["", "", "0"]
                }
            }
            lines.append(fields.map(csvField).joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The columns' headers (`columnTitle`); where two would read the same ("λ_max" for `lambda_max` and
    /// `mean_field_lambda_max`), those keep their parenthetical ("λ_max (mean field)").
    static func columnTitles(_ names: [String]) -> [String] {
        let short = names.map(columnTitle)
        return zip(names, short).map { name, title in
            guard short.filter({ $0 == title }).count > 1, let metric = Metric.named(name) else { return title }
            return metric.plainTitle
        }
    }

    /// A column's header: its catalog title as plain text without a trailing parenthetical
    /// ("baseline (best constant)" → "baseline"); the store's timing columns in words; the stored name
    /// otherwise.
    static func columnTitle(_ name: String) -> String {
        if let timing = ["seconds": "wall seconds", "cpu_seconds": "CPU seconds"][name] { return timing }
        guard let metric = Metric.named(name) else { return name }
        let title = metric.plainTitle
        // Only a parenthetical that ends the title: "min_k [log10 (γ‖W‖)^k − …]" keeps its brackets.
        if title.hasSuffix(")"), let open = title.range(of: " (", options: .backwards) { return String(title[..<open.lowerBound]) }
        return title
    }

    static func cellText(_ cell: RunTable.Cell, groupN: Int, digits: Int) -> String {
        switch cell {
        case .empty: return "—"
        case let .texts(counts):
            if counts.count == 1, counts[0].count == groupN { return escaped(counts[0].text) }
            return counts.map { "\(escaped($0.text)) ×\($0.count)" }.joined(separator: ", ")
        case let .numbers(n, mean, sd):
            var text = number(mean, digits: digits)
            if let sd { text += " ± " + number(sd, digits: digits) }
            if n != groupN { text += " (n = \(n))" }
            return text
        }
    }

    /// `x` to `digits` significant digits: fixed notation for 10⁻⁴ ≤ |x| < 10⁶ (never rounding the
    /// integer part away), otherwise scientific (`1.23e-07`).
    static func number(_ x: Double, digits: Int) -> String {
        guard x.isFinite else { return x.isNaN ? "nan" : (x > 0 ? "inf" : "-inf") }
        if x == 0 { return "0" }
        let magnitude = abs(x)
        guard magnitude >= 1e-4, magnitude < 1e6 else { return String(format: "%.\(digits - 1)e", x) }
        // The exponent after rounding to `digits` (9.9996 at 3 digits is 10.0, not 10.00).
        let rounded = Double(String(format: "%.\(digits - 1)e", magnitude)) ?? magnitude
        let exponent = Int(log10(rounded).rounded(.down))
        let decimals = max(0, digits - 1 - exponent)
        return String(format: "%.\(decimals)f", x)
    }

    private static func row(_ cells: [String]) -> String { "| " + cells.joined(separator: " | ") + " |" }

    /// A Markdown cell: `|` would end the cell.
    private static func escaped(_ text: String) -> String { text.replacingOccurrences(of: "|", with: "\\|") }

    private static func csvField(_ s: String) -> String {
        s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" })
            ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
    }
}

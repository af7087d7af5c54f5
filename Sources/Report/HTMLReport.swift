import ExperimentPlots
import Foundation
import Lab
import Mustache
import Sweeps

/// `gradlab report`: one self-contained HTML page of a run directory, or of several compatible ones
/// compared configuration by configuration (docs/report.md).
///
/// The page holds no reference to anything outside itself: CSS, the charts (inline SVG) and a small
/// script (sorting and filtering the tables; everything is readable without it) are inline. Every
/// text that comes from a file (experiment names, descriptions, swept values, failure reasons) goes
/// through the template's escaping (`{{…}}`); only the chart SVG, which GradLab draws itself, and the
/// constant CSS and script are inserted raw (`{{{…}}}`).
public enum HTMLReport {
    /// The page of `directories` (one: a run report; several: a comparison).
    public static func render(directories: [URL], version: String) throws -> String {
        let runs = try directories.map { try ReportedRun(directory: $0) }
        return try render(runs: runs, version: version)
    }

    /// The page of runs already read.
    public static func render(runs: [ReportedRun], version: String) throws -> String {
        let comparison = runs.count > 1 ? try Comparison(runs) : nil
        let page = try PageModel(runs: runs, comparison: comparison, version: version)
        var library = MustacheLibrary()
        try library.register(ReportTemplate.page, named: "page")
        try library.register(ReportTemplate.table, named: "table")
        guard let html = library.render(page, withTemplate: "page") else { throw RunError("the report's page template is not registered") }
        return html
    }

    /// Writes the page of `directories` to `output` (atomically); returns its size in bytes.
    @discardableResult
    public static func write(directories: [URL], to output: URL, version: String) throws -> Int {
        let html = try render(directories: directories, version: version)
        let data = Data(html.utf8)
        do { try data.write(to: output, options: .atomic) } catch {
            throw RunError("\(output.path): cannot write the report (\((error as NSError).localizedDescription))")
        }
        return data.count
    }
}

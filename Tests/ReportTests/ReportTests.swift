import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
@testable import Report
import Lab
import Sweeps
import _ExperimentsFixtures

/// The report's page checked with an XML parser (libxml2 through Foundation's `XMLDocument`): the page is
/// well-formed, every declared chart is an inline `<svg>`, the runs table has one row per stored run,
/// failures are listed with reason and step, user text is escaped, nothing refers outside the page.
@Suite struct ReportTests {
    /// A small sweep of the synthetic executor (fast, no numerics): 3 gains × 2 activations × 2
    /// replicates; gain 2 fails at step T/2, gain 3 goes non-finite. The name and description carry
    /// markup that must come out as text.
    static func sweep(description: String = "A <b>sweep</b> & \"quotes\" </pre><script>alert(1)</script>",
                      gains: [Double] = [0.5, 2, 3], kind: String = "orthogonal") async throws -> URL {
        let text = """
        name: small-sweep
        description: '\(description.replacingOccurrences(of: "'", with: "''"))'
        mode: gradient-flow
        model: {hidden: 3}
        init: {weight_hh: {kind: \(kind), spectral_radius: 1.0}}
        sequence: {length: 12}
        replicates: 2
        sweep:
          init.weight_hh.spectral_radius: [\(gains.map { String($0) }.joined(separator: ", "))]
          model.activation: [tanh, relu]
        plots:
          - {recipe: norm-vs-lag, color: init.weight_hh.spectral_radius, facet: model.activation}
          - {recipe: phase-heatmap, x: init.weight_hh.spectral_radius, y: lag, facet: model.activation}
        """
        let e = try Experiment(text: text, source: "small.yaml")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("gradlab-report-\(UUID().uuidString)")
        _ = try await Runner.run(e, executor: SyntheticExecutor.registry(failAt: [2], nanAt: [3]),
                                 options: RunOptions(outDirectory: dir, jobs: 2, progress: .silent, commandLine: ["test"]))
        return dir
    }

    static func parse(_ html: String) throws -> XMLDocument {
        try XMLDocument(xmlString: html, options: [])
    }

    static func nodes(_ doc: XMLDocument, _ xpath: String) throws -> [XMLNode] {
        try doc.nodes(forXPath: xpath)
    }

    @Test func runReportHasEveryChartTableRowAndFailure() async throws {
        let dir = try await Self.sweep()
        defer { try? FileManager.default.removeItem(at: dir) }
        let run = try ReportedRun(directory: dir)
        let html = try HTMLReport.render(runs: [run], version: "test")
        let doc = try Self.parse(html)

        // Every declared chart: 1 norm-vs-lag + one phase heatmap per activation, each an inline <svg> with a caption.
        #expect(run.figures.map(\.fileStem) == ["1-norm-vs-lag", "2-phase-heatmap-tanh", "2-phase-heatmap-relu"])
        let svgs = try Self.nodes(doc, "//figure/svg")
        #expect(svgs.count == 3)
        let captions = try Self.nodes(doc, "//figure/figcaption").compactMap(\.stringValue)
        #expect(captions.count == 3 && captions[0].contains("lag k = T − t") && captions[0].contains("Pascanu bound"))
        // Ids are unique across the charts (each SVG's glyphs and clips are its own).
        let ids = try Self.nodes(doc, "//@id").compactMap(\.stringValue)
        #expect(Set(ids).count == ids.count)
        let references = try Self.nodes(doc, "//svg//@href").compactMap(\.stringValue)
        // In-page references only: `#id` of this page, or `data:` images (Cairo's colour bars).
        let dangling = references.filter { $0.hasPrefix("#") ? !ids.contains(String($0.dropFirst())) : !$0.hasPrefix("data:image/png;base64,") }
        #expect(!references.isEmpty && dangling.isEmpty, "\(dangling.prefix(3)) of \(ids.prefix(3))")

        // The runs table: one row per stored run (3 gains × 2 activations × 2 replicates), with units.
        let rows = try Self.nodes(doc, "//table[@id='runs1']/tbody/tr")
        #expect(rows.count == 12 && run.rows.count == 12)
        let headers = try Self.nodes(doc, "//table[@id='runs1']/thead/tr/th").compactMap(\.stringValue)
        #expect(headers.contains("ρ(W_hh) (swept)") && headers.contains("‖W_hh‖_2") && headers.contains("slope of log10 ‖∂h_T / ∂h_t‖ per step [decades/step]"))
        // Filters by swept value (shown by the script): one select per swept path, its values as options.
        let selects = try Self.nodes(doc, "//form[@data-table='runs1']//select")
        #expect(selects.count == 2)
        let options = try Self.nodes(doc, "//form[@data-table='runs1']//select[@data-column='1']/option").compactMap(\.stringValue)
        #expect(options == ["all", "0.5", "2", "3"])
        // Failures with reason and step: 4 failed (gain 2), 4 non-finite (gain 3).
        let failures = try Self.nodes(doc, "//table[@id='failures1']/tbody/tr")
        #expect(failures.count == 8)
        let failureText = failures.compactMap(\.stringValue).joined(separator: "\n")
        #expect(failureText.contains("synthetic failure at gain 2.0") && failureText.contains("6"))

        // Findings from the stored labels and slopes; the header from the manifest.
        let findings = try Self.nodes(doc, "//div[@class='findings']/p").compactMap(\.stringValue)
        #expect(findings.contains { $0.contains("vanishing at ρ(W_hh) = 0.5 (-0.301 decades/step at ρ(W_hh) = 0.5)") }, "\(findings)")
        #expect(findings.contains { $0.contains("8 of 12 runs did not finish ok") })
        let facts = try Self.nodes(doc, "//section[@id='run1']/dl/dd").compactMap(\.stringValue)
        #expect(facts.contains("4 ok, 4 failed, 4 nonfinite") && facts.contains("12 runs (6 grid points × 2 replicates)"))

        // User text is text: no element came from the description, and it reads back verbatim.
        #expect(try Self.nodes(doc, "//script").count == 1 && (try Self.nodes(doc, "//b")).isEmpty)
        #expect(try Self.nodes(doc, "//p[@class='description']").first?.stringValue == "A <b>sweep</b> & \"quotes\" </pre><script>alert(1)</script>")
        // The resolved experiment file and the manifest, collapsed.
        #expect(try Self.nodes(doc, "//details/summary").count == 2)

        // Self-contained: no http(s) anywhere, no external resource.
        #expect(html.range(of: "http", options: .caseInsensitive) == nil)
        #expect(try Self.nodes(doc, "//*[@src] | //link").isEmpty)
    }

    @Test func twoRunComparisonMatchesConfigurations() async throws {
        let a = try await Self.sweep(description: "before", gains: [0.5, 1.5])
        let b = try await Self.sweep(description: "after", gains: [0.5, 1.5, 4], kind: "gaussian")
        defer { for d in [a, b] { try? FileManager.default.removeItem(at: d) } }
        let html = try HTMLReport.render(directories: [a, b], version: "test")
        let doc = try Self.parse(html)
        // Charts side by side: each declared chart once per directory.
        #expect(try Self.nodes(doc, "//figure[@class='compare']").count == 3)
        #expect(try Self.nodes(doc, "//figure[@class='compare']//svg").count == 6)
        let captions = try Self.nodes(doc, "//figure[@class='compare']/figcaption").compactMap(\.stringValue)
        #expect(captions[0].contains("one above the other (one per directory)") && captions[1].contains("side by side (one per directory)"))
        // One row per grid point of either directory (2 × 2 shared, 1 × 2 only in b).
        let rows = try Self.nodes(doc, "//table[@id='compare']/tbody/tr")
        #expect(rows.count == 6)
        let headers = try Self.nodes(doc, "//table[@id='compare']/thead/tr/th").compactMap(\.stringValue)
        #expect(headers.contains { $0.hasPrefix("Δ slope of log10") })
        // Each directory's runs table is there too, one row per run.
        #expect(try Self.nodes(doc, "//table[@id='runs1']/tbody/tr").count == 8)
        #expect(try Self.nodes(doc, "//table[@id='runs2']/tbody/tr").count == 12)
        #expect(html.range(of: "http", options: .caseInsensitive) == nil)
    }

    @Test func incompatibleRunsAreRefusedByName() async throws {
        let a = try await Self.sweep()
        defer { try? FileManager.default.removeItem(at: a) }
        let text = """
        name: other
        mode: gradient-flow
        model: {hidden: 3}
        sequence: {length: 8}
        sweep: {model.activation: [tanh]}
        """
        let b = FileManager.default.temporaryDirectory.appendingPathComponent("gradlab-report-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: b) }
        _ = try await Runner.run(try Experiment(text: text, source: "other.yaml"), executor: SyntheticExecutor.registry(),
                                 options: RunOptions(outDirectory: b, progress: .silent, commandLine: ["test"]))
        #expect {
            try HTMLReport.render(directories: [a, b], version: "test")
        } throws: { error in
            "\(error)".contains("cannot be compared") && "\(error)".contains("it sweeps model.activation")
        }
        #expect(throws: RunError.self) { try HTMLReport.render(directories: [b.appendingPathComponent("nothing")], version: "test") }
    }

    /// The quick start itself (42 runs, 3 charts): its report stays under 1.5 MB (measured: about 0.6 MB),
    /// with every declared chart and one row per run.
    @Test func quickstartReportSize() async throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let experiment = try Experiment.load(path: root.appendingPathComponent("experiments/quickstart.yaml").path)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("gradlab-report-qs-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        _ = try await Runner.run(experiment, executor: ExecutorRegistry.standard,
                                 options: RunOptions(outDirectory: dir, jobs: 2, progress: .silent, commandLine: ["test"]))
        let output = dir.appendingPathComponent("report.html")
        let bytes = try HTMLReport.write(directories: [dir], to: output, version: "test")
        #expect(bytes < 1_500_000, "the quick start's report is \(bytes) bytes")
        let doc = try XMLDocument(contentsOf: output, options: [])
        #expect(try doc.nodes(forXPath: "//figure/svg").count == 3)
        #expect(try doc.nodes(forXPath: "//table[@id='runs1']/tbody/tr").count == 42)
        let findings = try doc.nodes(forXPath: "//div[@class='findings']/p").compactMap(\.stringValue)
        #expect(findings.first == "activation = linear: vanishing at ρ(W_hh) ≤ 0.9 (-0.301 decades/step at ρ(W_hh) = 0.5); stable at ρ(W_hh) = 1; exploding at ρ(W_hh) ≥ 1.1 (+0.176 decades/step at ρ(W_hh) = 1.5).")
    }

    @Test func inlineSVGPrefixesIdsAndDropsNamespaces() {
        let doc = """
        <?xml version="1.0" encoding="UTF-8"?>
        <svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="800pt" height="288pt" viewBox="0 0 800 288" version="1.1">
        <defs><symbol id="glyph0-1"><path d="M 0.593751 2.125"/></symbol><clipPath id="clip1"><rect width="10" height="10"/></clipPath></defs>
        <g clip-path="url(#clip1)"><use xlink:href="#glyph0-1" x="1.123456" y="2"/></g>
        </svg>
        """
        let s = InlineSVG.element(doc, prefix: "r1-", title: "a < b")
        #expect(s.hasPrefix("<svg width=\"100%\" role=\"img\"") && s.contains("style=\"max-width: 1333px\""))
        #expect(s.contains("viewBox=\"0 0 800 288\"") && s.contains("<title>a &lt; b</title>"))
        #expect(s.contains("id=\"r1-glyph0-1\"") && s.contains("href=\"#r1-glyph0-1\"") && s.contains("url(#r1-clip1)"))
        #expect(!s.contains("http") && !s.contains("xlink") && s.contains("x=\"1.12\"") && s.contains("M 0.59 2.12"))
    }

    /// Training findings: per method and length, replicates solved and mean iterations to solve (stored values).
    @Test func trainingFindingsSayWhoSolvedWhat() {
        func row(_ method: String, _ length: Int64, _ replicate: Int, solved: Int64, iterations: Int64?) -> RunRow {
            var summary: [String: StoredValue] = ["solved": .integer(solved)]
            if let iterations { summary["iterations_to_solve"] = .integer(iterations) }
            return RunRow(runID: "\(method)-\(length)-\(replicate)", replicate: replicate, status: "ok",
                          swept: ["method": .text(method), "task.length": .integer(length)], summary: summary)
        }
        let rows = [row("orthogonal", 50, 0, solved: 1, iterations: 400), row("orthogonal", 50, 1, solved: 1, iterations: 600),
                    row("orthogonal", 100, 0, solved: 1, iterations: 1500), row("orthogonal", 100, 1, solved: 0, iterations: nil),
                    row("gaussian", 50, 0, solved: 0, iterations: nil), row("gaussian", 50, 1, solved: 0, iterations: nil),
                    row("gaussian", 100, 0, solved: 0, iterations: nil), row("gaussian", 100, 1, solved: 0, iterations: nil)]
        let s = Findings.training(sweptPaths: ["method", "task.length"], rows)
        #expect(s == ["orthogonal: solved T = 50 (2/2 replicates, 500 iterations on average), T = 100 (1/2 replicates, 1500 iterations on average).",
                      "gaussian: did not solve T = 50 (0/2 replicates), T = 100 (0/2 replicates)."])
    }

    @Test func numbersReadAsStored() {
        #expect(Format.number(-0.30102999566398214) == "-0.301")
        #expect(Format.number(20) == "20" && Format.number(0.5) == "0.5" && Format.number(1234.5678) == "1235")
        #expect(Format.number(1.5e-7) == "1.500e-07" && Format.number(.infinity) == "inf" && Format.number(.nan) == "nan")
        #expect(Format.duration(63) == "1:03" && Format.duration(3723) == "1:02:03")
        #expect(Findings.describe([0.5, 0.8], among: [0.5, 0.8, 1, 1.5], symbol: "ρ") == "ρ ≤ 0.8")
        #expect(Findings.describe([1, 1.5], among: [0.5, 0.8, 1, 1.5], symbol: "ρ") == "ρ ≥ 1")
        #expect(Findings.describe([0.5, 1.5], among: [0.5, 0.8, 1, 1.5], symbol: "ρ") == "ρ ∈ {0.5, 1.5}")
    }
}

import Foundation
import Testing

/// `gradlab report` as a user runs it: the default output next to the run, `-o`, and located errors.
@Suite struct ReportCommandTests {
    static let experiment = """
    name: report-cli
    description: a <tiny> run
    mode: gradient-flow
    model: {hidden: 3, input: 2}
    init: {weight_hh: {kind: orthogonal, spectral_radius: 1.0}}
    sequence: {length: 6}
    measure: [jacobian_norm]
    sweep: {init.weight_hh.spectral_radius: [0.5, 1.5]}
    plots:
      - {recipe: norm-vs-lag, color: init.weight_hh.spectral_radius}
    """

    @Test func writesThePageBesideTheRunAndRefusesADirectoryWithoutARun() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("gradlab-report-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let yaml = dir.appendingPathComponent("e.yaml")
        try Self.experiment.write(to: yaml, atomically: true, encoding: .utf8)
        let run = dir.appendingPathComponent("run").path
        _ = try gradlabOutput(["run", yaml.path, "--out", run, "--progress", "none", "--jobs", "1"])

        let out = try gradlabOutput(["report", run])
        #expect(out.hasPrefix(run + "/report.html ("))
        let html = try String(contentsOfFile: run + "/report.html", encoding: .utf8)
        #expect(html.contains("<p class=\"description\">a &lt;tiny&gt; run</p>") && html.contains("<svg"))

        let other = dir.appendingPathComponent("other.html").path
        #expect(try gradlabOutput(["report", run, run, "-o", other]).hasPrefix(other))
        #expect(FileManager.default.fileExists(atPath: other))

        let missing = try gradlab(["report", dir.path])
        #expect(missing.status == 1)
        #expect(missing.stderr == "error: \(dir.path) holds no run (no results.sqlite)\n")
    }
}

import ArgumentParser
import Foundation
import Report

/// `gradlab report RUN_DIR [RUN_DIR…]`: one self-contained HTML page of a run, or a comparison of runs
/// (module Report; docs/report.md).
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write one self-contained HTML page of a run directory (or compare several): header, charts, findings, tables.",
        discussion: """
        Reads each RUN_DIR's results.sqlite, experiment.yaml and manifest.json; the page embeds its charts (SVG), \
        styles and a small script, so it opens with a double-click and can be sent as one file. With two or more \
        directories of the same mode and swept keys, the page compares them configuration by configuration.
        """
    )

    @Argument(help: "Run directories (each holds results.sqlite and experiment.yaml); two or more: a comparison.")
    var runDirectories: [String]

    @Option(name: .shortAndLong, help: "The HTML file to write (default: RUN_DIR/report.html for one run, comparison.html for several).")
    var output: String?

    @Flag(help: "Open the page in the desktop's browser afterwards (xdg-open, or open on macOS).")
    var open = false

    func validate() throws {
        guard !runDirectories.isEmpty else { throw ValidationError("give at least one run directory") }
    }

    func run() throws {
        let directories = runDirectories.map { URL(fileURLWithPath: $0) }
        let path = output ?? (directories.count == 1 ? directories[0].appendingPathComponent("report.html").path : "comparison.html")
        let bytes = try HTMLReport.write(directories: directories, to: URL(fileURLWithPath: path), version: GradLabVersion.string)
        print("\(path) (\(bytes / 1024) KiB)")
        if open { openInBrowser(path) }
    }

    /// Hands the page to the desktop's opener; a machine without one gets a warning, not an error.
    private func openInBrowser(_ path: String) {
        let opener = Process()
        opener.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        #if os(macOS)
        opener.arguments = ["open", path]
        #else
        opener.arguments = ["xdg-open", path]
        #endif
        opener.standardError = FileHandle.nullDevice
        do {
            try opener.run()
            opener.waitUntilExit()
            if opener.terminationStatus != 0 { warn("could not open \(path) (\(opener.arguments?.first ?? "opener") exited \(opener.terminationStatus)); open it yourself") }
        } catch {
            warn("could not open \(path) (no \(opener.arguments?.first ?? "opener")); open it yourself")
        }
    }
}

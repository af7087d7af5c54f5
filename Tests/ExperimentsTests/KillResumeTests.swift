import Foundation
import Testing
import _TestSupport
@testable import Sweeps
@testable import Lab

func startRunner(_ yaml: URL, _ out: URL, jobs: Int, delay: Double) throws -> Process {
    let p = Process()
    p.executableURL = try BuiltExecutable.url("_experiments-fixture-runner")
    p.arguments = [yaml.path, out.path, String(jobs), String(delay)]
    p.standardOutput = FileHandle.nullDevice
    try p.run()
    return p
}

@Suite struct KillResumeTests {
    /// Kills (SIGKILL) a child process mid-sweep, then resumes: no duplicate, no partial
    /// configuration, and the same numbers as an uninterrupted run.
    @Test func resumeAfterKillNineLosesOnlyInFlightConfigurations() async throws {
        let dir = try temporaryDirectory("kill")
        let yaml = dir.appendingPathComponent("exp.yaml")
        let text = baseYAML + "\nsweep:\n  init.weight_hh.spectral_radius: [0.5, 0.8, 0.9, 1.0, 1.1, 1.25, 1.5, 2.0]\n  model.hidden: [2, 3, 4]\n"
        try text.write(to: yaml, atomically: true, encoding: .utf8)
        let e = try Experiment.load(path: yaml.path)
        #expect(e.runCount == 48)
        let out = dir.appendingPathComponent("run")

        // 0.2 s per configuration on 2 jobs: about 5 s for the whole grid, so the kill lands mid-run
        // even on a loaded machine (the sleeps are wall-clock).
        let child = try startRunner(yaml, out, jobs: 2, delay: 0.2)
        // Wait until some (not all) configurations are stored, then kill -9.
        var storedBeforeKill = 0
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            // Block this thread rather than suspend: a suspended test may wait long for a pool
            // thread while other tests run, and miss the child's run.
            usleep(20_000)
            if let n = try? ResultStore(existing: out).storedRunIDs().count, n >= 4 {
                storedBeforeKill = n
                break
            }
        }
        kill(child.processIdentifier, SIGKILL)
        child.waitUntilExit()
        #expect(child.terminationReason == .uncaughtSignal)
        #expect(storedBeforeKill >= 4)

        let store = try ResultStore(directory: out, sweptPaths: e.grid.sweptPaths, fingerprint: e.fingerprint)
        let afterKill = try store.storedRunIDs().count
        #expect(afterKill >= storedBeforeKill && afterKill < 48)
        // Every stored configuration is complete: T + 1 = 11 series points each, none orphaned.
        func incomplete() throws -> Int {
            try store.table("""
                SELECT COUNT(*) FROM runs r WHERE (SELECT COUNT(*) FROM series s WHERE s.run_id = r.run_id) != 11
                """).rows[0][0].description == "0" ? 0 : 1
        }
        let orphans = "SELECT COUNT(*) FROM series WHERE run_id NOT IN (SELECT run_id FROM runs)"
        #expect(try incomplete() == 0)
        #expect(try store.table(orphans).rows[0][0].description == "0")

        // Resume in a new child process, without delay.
        let resumed = try startRunner(yaml, out, jobs: 2, delay: 0)
        resumed.waitUntilExit()
        #expect(resumed.terminationStatus == 0)
        #expect(try store.storedRunIDs().count == 48)
        #expect(try store.table("SELECT COUNT(*) FROM series").rows[0][0].description == "\(48 * 11)")
        #expect(try incomplete() == 0)

        // The same numbers as an uninterrupted run.
        let reference = dir.appendingPathComponent("reference")
        _ = try await run(e, into: reference, jobs: 1)
        #expect(try seriesFingerprint(out, experiment: e) == seriesFingerprint(reference, experiment: e))
    }
}

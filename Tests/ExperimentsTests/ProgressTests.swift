import Foundation
import Testing
@testable import Sweeps
@testable import Lab

@Suite struct ProgressTests {
    @Test(arguments: [(0.0, "0:00"), (59.4, "0:59"), (61, "1:01"), (3600, "1:00:00"), (3725, "1:02:05"), (.infinity, "--")])
    func clockFormatsSeconds(seconds: Double, text: String) {
        #expect(ProgressReporter.clock(seconds) == text)
    }

    @Test func linesShowCountRateEtaAndFailures() {
        let silent = ProgressReporter(total: 4, style: .silent)
        silent.advance(failed: false)
        silent.advance(failed: true)
        let line = silent.line(Date().addingTimeInterval(0.5))
        #expect(line.hasPrefix("progress: 2/4 · ") && line.contains("/s · ETA 0:0") && line.hasSuffix(" · 1 failed"))
        let bar = ProgressReporter(total: 4, style: .bar)
        #expect(bar.line(Date()) == "[························] 0/4 · 0.00/s · ETA --")
    }
}

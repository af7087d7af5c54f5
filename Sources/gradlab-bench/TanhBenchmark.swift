import ArgumentParser
import Foundation
import Linalg

/// `gradlab-bench tanh`: ns per element of `vectorTanh` in every instruction-set variant this CPU runs,
/// and of glibc's scalar `tanh` in a loop, on `--count` seeded uniform inputs per range. The
/// implementations are timed alternately in rounds of ≥ `--seconds` of the thread's CPU time each;
/// the median and the minimum over rounds are reported.
struct TanhBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tanh",
        abstract: "ns/element of vectorTanh (each variant) and of glibc tanh, on uniform inputs."
    )

    @Option(parsing: .upToNextOption, help: "Ranges: a bound b means uniform inputs in [−b, b].")
    var bounds: [Double] = [3, 0.5]
    @Option(help: "Elements per call (B·H of a BPTT step: 8192 = 32 × 256).")
    var count = 8192
    @Option(help: "Rounds per implementation (alternating); median and minimum are reported.")
    var rounds = 11
    @Option(help: "Minimum CPU seconds per round.")
    var seconds = 0.05

    func validate() throws {
        guard count >= 1, rounds >= 1, seconds > 0 else { throw ValidationError("--count and --rounds must be positive, --seconds > 0.") }
    }

    func run() throws {
        typealias ISA = RecurrentProductKernel.PackedISA
        let variants = ISA.allCases.filter(\.isSupported)
        var names = variants.map { "vectorTanh \($0)" }
        names.append("glibc tanh")
        emit("tanh over \(count) elements per call; \(rounds) rounds alternating, ≥ \(seconds) s CPU each; ns/element (thread CPU time)")
        for bound in bounds {
            var rng = RandomStream(seed: 21)
            let x = rng.uniforms(count, -bound, bound)
            var y = [Double](repeating: 0, count: count)
            var times = [[Double]](repeating: [], count: names.count)
            x.withUnsafeBufferPointer { xp in
                y.withUnsafeMutableBufferPointer { yp in
                    guard let xs = xp.baseAddress, let ys = yp.baseAddress else { return }
                    let n = count
                    var calls: [() -> Void] = variants.map { isa in { vectorTanh(xs, into: ys, count: n, isa: isa) } }
                    calls.append { for i in 0..<n { ys[i] = Foundation.tanh(xs[i]) } }
                    for call in calls { call() }   // warm-up
                    for _ in 0..<rounds {
                        for (i, call) in calls.enumerated() {
                            var done = 0
                            let start = threadCPUSeconds()
                            var elapsed = 0.0
                            repeat { call(); done += 1; elapsed = threadCPUSeconds() - start } while elapsed < seconds
                            times[i].append(elapsed / Double(done * n) * 1e9)
                        }
                    }
                }
            }
            let reference = median(times[names.count - 1])
            for (name, t) in zip(names, times) {
                emit(String(format: "[−%g, %g]  %-22@ median %7.3f ns  min %7.3f ns   glibc ÷ this %5.2f", bound, bound, name as NSString,
                            median(t), t.min() ?? .nan, reference / median(t)))
            }
        }
    }
}

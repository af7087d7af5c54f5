import Foundation

/// The peers' deterministic generator (peers.py `splitmix64`, `uniform`, `normal`, `stream`), so
/// GradLab times the same inputs: out_k = mix(state + k·γ), k = 1…n; u = (out >> 11)·2⁻⁵³;
/// z_i = sqrt(−2 ln(1 − u_{2i}))·cos(2π u_{2i+1}); stream k of seed s has state s·256 + k.
enum PeerInputs {
    static func normals(seed: Int, stream k: Int, count n: Int, scale: Double) -> [Double] {
        let state = UInt64(seed) << 8 &+ UInt64(k)
        func u(_ i: Int) -> Double {
            var z = state &+ UInt64(i) &* 0x9E37_79B9_7F4A_7C15
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            z ^= z >> 31
            return Double(z >> 11) * 0x1p-53
        }
        return (0..<n).map { i in
            (-2 * log(1 - u(2 * i + 1))).squareRoot() * cos(2 * Double.pi * u(2 * i + 2)) * scale
        }
    }
}

/// Runs `peers.py run` for one implementation and size and returns its JSON record.
enum PeerRunner {
    struct Record: Decodable {
        let impl: String
        let median: Double
        let min: Double
        let checksums: [String: Double?]
    }

    static func run(script: String, workload: String, impl: String, size: String, reps: Int, threads: Int,
                    seed: Int, extra: [String] = []) throws -> Record {
        let json = FileManager.default.temporaryDirectory.appendingPathComponent("gradlab-bench-\(getpid())-\(impl).json")
        try? FileManager.default.removeItem(at: json)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", script, "run", "--workload", workload, "--impl", impl, "--sizes", size,
                       "--reps", String(reps), "--threads", String(threads), "--seed", String(seed),
                       "--no-wait", "--json", json.path] + extra
        p.standardOutput = FileHandle.nullDevice
        let err = Pipe()
        p.standardError = err
        try p.run()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0, let data = try? Data(contentsOf: json),
              let line = String(decoding: data, as: UTF8.self).split(separator: "\n").last else {
            throw PeerError(message: "peers.py \(impl) \(size) failed: \(String(decoding: errData, as: UTF8.self).suffix(400))")
        }
        try? FileManager.default.removeItem(at: json)
        // peers.py writes Python's NaN (torch-nnrnn has no per-step norms), which is not JSON.
        let cleaned = line.replacingOccurrences(of: "NaN", with: "null")
        return try JSONDecoder().decode(Record.self, from: Data(cleaned.utf8))
    }
}

struct PeerError: Error, CustomStringConvertible { let message: String; var description: String { message } }

/// Median of a non-empty list.
func median(_ xs: [Double]) -> Double {
    let s = xs.sorted()
    return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
}

/// Wall-clock seconds of `body`, redone (up to `maxRedo` times, after a 1 s pause) when the thread
/// got less than 90 % of a core — the single-threaded analogue of peers.py's discarding of reps
/// disturbed by foreign load. Returns the wall time of the last attempt.
func seconds(maxRedo: Int = 3, _ body: () throws -> Void) rethrows -> Double {
    var wall = 0.0
    for attempt in 0...maxRedo {
        let cpu0 = threadCPUSeconds(), start = DispatchTime.now().uptimeNanoseconds
        try body()
        wall = Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9
        let cpu = threadCPUSeconds() - cpu0
        if cpu >= 0.9 * wall || attempt == maxRedo { break }
        Thread.sleep(forTimeInterval: 1)
    }
    return wall
}

/// CPU time of the calling thread (CLOCK_THREAD_CPUTIME_ID).
func threadCPUSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}

/// Writes a line to standard output unbuffered, so progress shows when the output is redirected.
func emit(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

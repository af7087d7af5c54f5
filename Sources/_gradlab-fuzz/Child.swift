import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How one `gradlab` child ended.
struct ChildResult {
    /// Exit code, or nil when a signal ended it.
    let exitCode: Int32?
    let signal: Int32?
    let timedOut: Bool
    /// Peak resident set of this child in bytes: VmHWM sampled while it runs (Linux), else wait4's ru_maxrss.
    let peakRSS: Int
    let seconds: Double
    let stderr: String
}

/// Runs `arguments` under `/bin/sh -c 'ulimit -v …; exec "$0" "$@"'`: the shell sets the address-space
/// limit (RLIMIT_AS) and is replaced by the program, so the pid, its exit status and its rusage are the
/// program's. Standard output goes to /dev/null, standard error to `stderrPath` (read back, first 64 KiB).
/// A child still running after `timeout` seconds is killed with SIGKILL.
enum Child {
    static func run(_ arguments: [String], memoryLimitKiB: Int, timeout: Double, stderrPath: String,
                    environment: [String]) -> ChildResult {
        let script = "ulimit -v \(memoryLimitKiB) 2>/dev/null; exec \"$0\" \"$@\""
        let argv = ["/bin/sh", "-c", script] + arguments
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, stderrPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        let cArgs = argv.map { strdup($0) } + [nil]
        let cEnv = environment.map { strdup($0) } + [nil]
        defer { for p in cArgs + cEnv { free(p) } }
        var pid: pid_t = 0
        let start = DispatchTime.now()
        let spawned = posix_spawn(&pid, "/bin/sh", &actions, nil, cArgs, cEnv)
        guard spawned == 0 else {
            return ChildResult(exitCode: 127, signal: nil, timedOut: false, peakRSS: 0, seconds: 0,
                               stderr: "error: posix_spawn failed: \(String(cString: strerror(spawned)))")
        }
        var status: Int32 = 0
        var usage = rusage()
        var timedOut = false
        var pause: UInt32 = 100
        var sampled = 0
        while true {
            sampled = max(sampled, highWaterMark(pid))
            let r = wait4(pid, &status, WNOHANG, &usage)
            if r == pid { break }
            if r < 0 && errno != EINTR { break }
            let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
            if elapsed > timeout {
                kill(pid, SIGKILL)
                while wait4(pid, &status, 0, &usage) < 0 && errno == EINTR {}
                timedOut = true
                break
            }
            usleep(pause)
            pause = min(pause * 2, 2_000)
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
        let signal = status & 0x7F
        let exited = signal == 0
        #if os(Linux)
        // wait4's ru_maxrss also counts the runner's own resident set (exec records the high-water mark
        // of the vfork'ed address space it replaces); /proc/<pid>/status VmHWM, sampled at every poll,
        // is the child's own. The larger is kept only when sampling saw nothing (a very short child).
        let peak = sampled > 0 ? sampled : usage.ru_maxrss * 1024
        #else
        let peak = usage.ru_maxrss             // bytes on macOS
        #endif
        let text = FileHandle(forReadingAtPath: stderrPath).map { h in
            defer { try? h.close() }
            return String(decoding: (try? h.read(upToCount: 1 << 16)) ?? Data(), as: UTF8.self)
        } ?? ""
        return ChildResult(exitCode: exited ? (status >> 8) & 0xFF : nil, signal: exited ? nil : signal,
                           timedOut: timedOut, peakRSS: Int(peak), seconds: seconds, stderr: text)
    }

    /// VmHWM of a running process in bytes (Linux; 0 elsewhere or once it has exited).
    static func highWaterMark(_ pid: pid_t) -> Int {
        #if os(Linux)
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
              let kib = Int(line.split(separator: " ").dropFirst().first ?? "") else { return 0 }
        return kib * 1024
        #else
        return 0
        #endif
    }

    /// This process's environment plus OPENBLAS_NUM_THREADS=1 (one BLAS thread per child: the fuzz
    /// suite runs its own workers, and OpenBLAS's per-thread buffers would count against the limit).
    static var environment: [String] {
        var env = ProcessInfo.processInfo.environment
        env["OPENBLAS_NUM_THREADS"] = "1"
        return env.map { "\($0.key)=\($0.value)" }.sorted()
    }

    /// Peak resident set of any waited-for child so far (getrusage RUSAGE_CHILDREN), in bytes: an upper
    /// bound, since on Linux it includes the runner's own resident set at each spawn.
    static var childrenPeakRSS: Int {
        var usage = rusage()
        #if os(Linux)
        getrusage(RUSAGE_CHILDREN.rawValue, &usage)
        return Int(usage.ru_maxrss) * 1024
        #else
        getrusage(RUSAGE_CHILDREN, &usage)
        return Int(usage.ru_maxrss)
        #endif
    }
}

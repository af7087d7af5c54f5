import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A request to stop a run gracefully: the runner polls it between configurations, starts no new
/// configuration once it is set, lets those in flight finish (each is stored whole, in one transaction)
/// and then writes the CSVs and the manifest for what is stored.
public final class StopRequest: @unchecked Sendable {
    private let lock = NSLock()
    private var signal: Int32?

    public init() {}

    /// Asks the run to stop; `signal` is the signal number that asked (0 for a program's request).
    /// The first request wins.
    public func request(signal number: Int32 = 0) {
        lock.lock()
        defer { lock.unlock() }
        if signal == nil { signal = number }
    }

    /// Whether a stop was requested.
    public var isRequested: Bool { lock.lock(); defer { lock.unlock() }; return signal != nil }

    /// The signal that asked for the stop (0 when a program asked), nil when none did.
    public var requestingSignal: Int32? { lock.lock(); defer { lock.unlock() }; return signal }
}

/// SIGINT and SIGTERM as stop requests, for a command-line run.
///
/// The first SIGINT or SIGTERM sets the `StopRequest` and prints `message` on standard error; a second
/// one exits at once with `_exit(128 + signal)` (130 for SIGINT, 143 for SIGTERM), abandoning the
/// configurations in flight: a configuration's rows are one SQLite transaction, so none is stored in
/// part, and `--resume` continues.
///
/// The signal handler only counts and writes the signal number to a pipe (both async-signal-safe); a
/// thread reads the pipe and sets the request.
public enum SignalStop {
    /// Installs the handlers for SIGINT and SIGTERM (once per process; later calls return the first
    /// request). `message` is printed on the first signal.
    public static func install(message: String) -> StopRequest {
        installLock.lock()
        defer { installLock.unlock() }
        if let installed { return installed }
        let request = StopRequest()
        installed = request
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { return request }
        signalPipeWrite = fds[1]
        let readFD = fds[0]
        let thread = Thread {
            var byte: UInt8 = 0
            while read(readFD, &byte, 1) == 1 {
                request.request(signal: Int32(byte))
                FileHandle.standardError.write(Data(("\n" + message + "\n").utf8))
            }
        }
        thread.name = "gradlab-signals"
        thread.start()
        for number in [SIGINT, SIGTERM] {
            var action = sigaction()
            #if canImport(Darwin)
            action.__sigaction_u.__sa_handler = signalHandler
            #else
            action.__sigaction_handler.sa_handler = signalHandler
            #endif
            sigemptyset(&action.sa_mask)
            sigaddset(&action.sa_mask, SIGINT)
            sigaddset(&action.sa_mask, SIGTERM)
            action.sa_flags = SA_RESTART
            sigaction(number, &action, nil)
        }
        return request
    }

    private static let installLock = NSLock()
    nonisolated(unsafe) private static var installed: StopRequest?
}

/// Written before the handlers are installed, read only by them.
nonisolated(unsafe) private var signalPipeWrite: Int32 = -1
/// Signals received; touched only by the handler (SIGINT and SIGTERM block each other while handled).
nonisolated(unsafe) private var signalsReceived: Int32 = 0

/// The handler: the first signal goes to the pipe, a second one exits at once.
private let signalHandler: @convention(c) (Int32) -> Void = { number in
    signalsReceived &+= 1
    if signalsReceived > 1 { _exit(128 + number) }
    var byte = UInt8(truncatingIfNeeded: number)
    _ = write(signalPipeWrite, &byte, 1)
}

import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The advisory lock that makes one process at a time the owner of a run directory: `flock(2)`
/// (exclusive, non-blocking) on `<run>/run.lock`, whose text says who holds it:
/// `pid <pid> host <host> since <ISO 8601 time>`.
///
/// The kernel releases a `flock` when its holder exits, however it exits (kill -9 too), so a
/// `run.lock` left behind by a dead process is stale and not an error: the next run takes it. The
/// file is never deleted (deleting a lock file races with a process that has just opened it); it is
/// emptied on release.
public final class RunLock: @unchecked Sendable {
    /// `<run>/run.lock`.
    public let url: URL
    private var descriptor: Int32

    /// The lock file's name in a run directory.
    public static let fileName = "run.lock"

    /// Takes the lock of `directory` (which must exist) or throws `RunError` naming the holder (pid,
    /// host, since when) when another process has it.
    public init(directory: URL) throws {
        url = directory.appendingPathComponent(RunLock.fileName)
        let fd = open(url.path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw RunError("\(url.path): cannot open the lock file (\(String(cString: strerror(errno))))")
        }
        // A lock just released may still be held for a moment by a child process forked (not yet
        // exec'd) while it was held, so a busy lock is retried for half a second before it is refused.
        var attempts = 0
        while flock(fd, LOCK_EX | LOCK_NB) != 0 && errno == EWOULDBLOCK && attempts < 25 {
            attempts += 1
            usleep(20_000)
        }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let code = errno
            let holder = RunLock.holder(fd)
            close(fd)
            if code == EWOULDBLOCK {
                throw RunError("\(directory.relativePath) is in use by another gradlab run (\(holder ?? "its details are not written yet")); "
                               + "wait for it to finish, stop it (kill -INT <pid>), or choose another --out")
            }
            throw RunError("\(url.path): cannot lock the run directory (\(String(cString: strerror(code))))")
        }
        descriptor = fd
        let since = ISO8601DateFormatter().string(from: Date())
        let text = "pid \(getpid()) host \(ProcessInfo.processInfo.hostName) since \(since)\n"
        _ = ftruncate(fd, 0)
        _ = text.withCString { pwrite(fd, $0, strlen($0), 0) }
    }

    /// The holder's line of a locked file (nil when empty or unreadable).
    private static func holder(_ fd: Int32) -> String? {
        var buffer = [UInt8](repeating: 0, count: 512)
        let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
        guard n > 0 else { return nil }
        let text = String(decoding: buffer[0..<n], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return text.isEmpty ? nil : text
    }

    /// Empties the lock file and releases the lock (idempotent; also done on deinit and by the kernel
    /// when the process exits).
    public func release() {
        guard descriptor >= 0 else { return }
        _ = ftruncate(descriptor, 0)
        close(descriptor)
        descriptor = -1
    }

    deinit { release() }
}

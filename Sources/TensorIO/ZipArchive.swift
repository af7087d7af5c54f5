import CZlib

/// A minimal ZIP reader/writer for `.npz`: stored (method 0) and deflated (method 8) members, located
/// through the central directory, with ZIP64 sizes and offsets (NumPy's `np.savez` opens every member
/// with `force_zip64=True`, so its local headers carry ZIP64 extra fields).
///
/// Every size and offset read from the file is checked against the file's length before use; inflated
/// output grows in chunks and stops at the size the directory declares, so a lying header never causes
/// a large allocation.
enum ZipArchive {
    struct Member {
        let name: String
        let bytes: [UInt8]
    }

    private static let eocdSignature: UInt32 = 0x0605_4B50
    private static let zip64LocatorSignature: UInt32 = 0x0706_4B50
    private static let zip64EOCDSignature: UInt32 = 0x0606_4B50
    private static let centralSignature: UInt32 = 0x0201_4B50
    private static let localSignature: UInt32 = 0x0403_4B50

    /// A member's place in the file, found from its central and local headers before any data is read.
    private struct Located {
        let name: String, method: Int, crc: UInt32
        let header: Int, start: Int, size: Int, uncompressed: Int
    }

    /// All members in central-directory order, decompressed and CRC-checked. Members whose bytes overlap
    /// are refused, and so is an archive whose declared sizes add up to more than `maxTotalSize`
    /// (checked before anything is inflated).
    static func read(_ bytes: [UInt8], file: String, maxTotalSize: Int = .max) throws -> [Member] {
        func fail(_ p: String) -> TensorIOError { TensorIOError(file: file, problem: p) }
        let all = bytes[...]
        func u16(_ o: Int) throws -> Int {
            guard o >= 0, o <= bytes.count - 2 else { throw fail("truncated zip structure at byte \(o)") }
            return Int(readLE(all, o, as: UInt16.self))
        }
        func u32(_ o: Int) throws -> Int {
            guard o >= 0, o <= bytes.count - 4 else { throw fail("truncated zip structure at byte \(o)") }
            return Int(readLE(all, o, as: UInt32.self))
        }
        func u64(_ o: Int) throws -> Int {
            guard o >= 0, o <= bytes.count - 8 else { throw fail("truncated zip structure at byte \(o)") }
            let v = readLE(all, o, as: UInt64.self)
            guard v <= UInt64(Int.max) else { throw fail("zip field at byte \(o) is out of range") }
            return Int(v)
        }

        // End of central directory: 22 bytes + a comment of at most 65,535 bytes, searched from the end.
        guard bytes.count >= 22 else { throw fail("truncated: too short to be a .npz (zip) file") }
        var eocd = -1
        for o in stride(from: bytes.count - 22, through: max(0, bytes.count - 22 - 65_535), by: -1)
        where try u32(o) == Int(eocdSignature) {
            eocd = o
            break
        }
        guard eocd >= 0 else { throw fail("not a zip archive or truncated (no end-of-central-directory record)") }
        let eocdCount = try u16(eocd + 10), eocdSize = try u32(eocd + 12), eocdOffset = try u32(eocd + 16)
        var (disk, cdDisk, onDisk) = (try u16(eocd + 4), try u16(eocd + 6), try u16(eocd + 8))
        var (count, cdSize, cdOffset) = (eocdCount, eocdSize, eocdOffset)
        // Where the central directory must end: at the ZIP64 end record when there is one, else at the end record.
        var directoryEnd = eocd
        // A ZIP64 end record is used when the classic fields hold 0xFFFF… sentinels, and checked against them
        // whenever its locator is present (torch.save writes one into every checkpoint).
        let locator = eocd - 20
        let hasLocator = try locator >= 0 && u32(locator) == Int(zip64LocatorSignature)
        if count == 0xFFFF || cdSize == 0xFFFF_FFFF || cdOffset == 0xFFFF_FFFF || hasLocator {
            guard hasLocator else { throw fail("zip64 sizes without a zip64 locator") }
            let record = try u64(locator + 8)
            guard try u32(record) == Int(zip64EOCDSignature) else { throw fail("zip64 end record missing at byte \(record)") }
            (disk, cdDisk) = (try u32(record + 16), try u32(record + 20))
            onDisk = try u64(record + 24)
            count = try u64(record + 32)
            cdSize = try u64(record + 40)
            cdOffset = try u64(record + 48)
            // A classic field that is not the 0xFFFF… sentinel must agree with its ZIP64 counterpart.
            for (name, classic, sentinel, wide) in [("entry count", eocdCount, 0xFFFF, count),
                                                    ("directory size", eocdSize, 0xFFFF_FFFF, cdSize),
                                                    ("directory offset", eocdOffset, 0xFFFF_FFFF, cdOffset)]
            where classic != sentinel && classic != wide {
                throw fail("inconsistent zip directory: the end record's \(name) is \(classic) but the zip64 end record's is \(wide)")
            }
            directoryEnd = record
        }
        guard disk == 0, cdDisk == 0 else { throw fail("a multi-disk (spanned) zip archive; only single-file archives are supported") }
        guard onDisk == count else {
            throw fail("inconsistent zip directory: the end record counts \(onDisk) entries on this disk but \(count) in total")
        }
        guard cdOffset <= bytes.count, cdSize <= bytes.count - cdOffset else {
            throw fail("header lies about sizes: the central directory lies outside the file")
        }
        guard cdOffset + cdSize == directoryEnd else {
            throw fail("inconsistent zip directory: the central directory spans bytes [\(cdOffset), \(cdOffset + cdSize)) but the end record is at byte \(directoryEnd)")
        }
        // Each central entry is at least 46 bytes: bounds the count before anything is reserved.
        guard count <= cdSize / 46 else { throw fail("header lies about sizes: \(count) entries cannot fit in \(cdSize) bytes") }

        var located: [Located] = []
        var o = cdOffset
        for k in 0..<count {
            guard o < cdOffset + cdSize else {
                throw fail("inconsistent zip directory: the end record counts \(count) entries but the central directory holds \(k)")
            }
            guard try u32(o) == Int(centralSignature) else { throw fail("corrupt central directory at byte \(o)") }
            let flags = try u16(o + 8), method = try u16(o + 10)
            let crc = UInt32(try u32(o + 16))
            var compressed = try u32(o + 20), uncompressed = try u32(o + 24)
            let nameLength = try u16(o + 28), extraLength = try u16(o + 30), commentLength = try u16(o + 32)
            var localOffset = try u32(o + 42)
            guard o + 46 + nameLength + extraLength + commentLength <= bytes.count else {
                throw fail("truncated central directory entry at byte \(o)")
            }
            let name = String(decoding: bytes[(o + 46)..<(o + 46 + nameLength)], as: UTF8.self)
            // ZIP64 extra field (id 1): only the fields that are 0xFFFFFFFF above, in this order.
            var e = o + 46 + nameLength
            let extraEnd = e + extraLength
            while e + 4 <= extraEnd {
                let id = try u16(e), size = try u16(e + 2)
                if id == 1 {
                    var f = e + 4
                    if uncompressed == 0xFFFF_FFFF { uncompressed = try u64(f); f += 8 }
                    if compressed == 0xFFFF_FFFF { compressed = try u64(f); f += 8 }
                    if localOffset == 0xFFFF_FFFF { localOffset = try u64(f); f += 8 }
                }
                e += 4 + size
            }
            guard flags & 1 == 0 else { throw fail("member '\(name)' is encrypted") }
            guard try u32(localOffset) == Int(localSignature) else {
                throw fail("header lies about sizes: member '\(name)' has no local header at byte \(localOffset)")
            }
            let dataStart = localOffset + 30 + (try u16(localOffset + 26)) + (try u16(localOffset + 28))
            guard dataStart <= bytes.count, compressed <= bytes.count - dataStart else {
                throw fail("truncated: member '\(name)' claims \(compressed) bytes beyond the end of the file")
            }
            guard method == 0 || method == 8 else {
                throw fail("member '\(name)' uses zip compression method \(method); only stored and deflate are supported")
            }
            guard method == 8 || compressed == uncompressed else { throw fail("header lies about sizes: stored member '\(name)' has different sizes") }
            located.append(Located(name: name, method: method, crc: crc, header: localOffset, start: dataStart, size: compressed, uncompressed: uncompressed))
            o += 46 + nameLength + extraLength + commentLength
            guard o <= cdOffset + cdSize else {
                throw fail("inconsistent zip directory: entry '\(name)' ends at byte \(o), past the directory's declared end \(cdOffset + cdSize)")
            }
        }
        guard o == cdOffset + cdSize else {
            let more = try o <= bytes.count - 4 && u32(o) == Int(centralSignature)
            throw fail(more ? "inconsistent zip directory: the end record counts \(count) entries but the central directory holds more"
                            : "inconsistent zip directory: \(count) entries take \(o - cdOffset) bytes but the end record declares \(cdSize)")
        }
        var seen = Set<String>()
        for m in located where !seen.insert(m.name).inserted {
            throw fail("the zip holds member '\(m.name)' twice")
        }
        // Members may not share bytes: overlapping entries are how zip bombs multiply their output.
        let byPosition = located.sorted { $0.header < $1.header }
        for (a, b) in zip(byPosition, byPosition.dropFirst()) where b.header < a.start + a.size {
            throw fail("header lies about sizes: members '\(a.name)' and '\(b.name)' overlap")
        }
        var total = 0
        for m in located {
            total = total.addingReportingOverflow(m.uncompressed).overflow ? Int.max : total + m.uncompressed
            guard total <= maxTotalSize else {
                throw fail("members would inflate to more than \(maxTotalSize) bytes, out of proportion to a \(bytes.count)-byte file")
            }
        }
        var members: [Member] = []
        for m in located {
            let raw = bytes[m.start..<(m.start + m.size)]
            let data = m.method == 0 ? Array(raw) : try inflate(raw, expected: m.uncompressed, name: m.name, file: file)
            guard checksum(data) == m.crc else { throw fail("member '\(m.name)' fails its CRC-32 check (corrupt file)") }
            members.append(Member(name: m.name, bytes: data))
        }
        return members
    }

    /// Raw-deflate decompression of `input`, which must produce exactly `expected` bytes.
    private static func inflate(_ input: ArraySlice<UInt8>, expected: Int, name: String, file: String) throws -> [UInt8] {
        func fail(_ p: String) -> TensorIOError { TensorIOError(file: file, problem: p) }
        var stream = z_stream()
        guard inflateInit2_(&stream, -MAX_WBITS, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw fail("zlib could not start inflating member '\(name)'")
        }
        defer { inflateEnd(&stream) }
        var out: [UInt8] = []
        out.reserveCapacity(min(expected, 64 * input.count + 1024)) // deflate expands at most ~1032×
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        var input = Array(input)
        var status: Int32 = Z_OK
        try input.withUnsafeMutableBufferPointer { inp in
            stream.next_in = inp.baseAddress
            stream.avail_in = UInt32(inp.count)
            while status != Z_STREAM_END {
                try chunk.withUnsafeMutableBufferPointer { c in
                    stream.next_out = c.baseAddress
                    stream.avail_out = UInt32(c.count)
                    status = CZlib.inflate(&stream, Z_NO_FLUSH)
                    guard status == Z_OK || status == Z_STREAM_END else {
                        throw fail(status == Z_BUF_ERROR ? "truncated: deflated member '\(name)' ends early"
                                                         : "member '\(name)' is not valid deflate data (zlib error \(status))")
                    }
                    let produced = c.count - Int(stream.avail_out)
                    guard out.count + produced <= expected else {
                        throw fail("header lies about sizes: member '\(name)' inflates to more than the declared \(expected) bytes")
                    }
                    out.append(contentsOf: c[0..<produced])
                }
            }
        }
        guard out.count == expected else {
            throw fail("header lies about sizes: member '\(name)' inflates to \(out.count) bytes, not the declared \(expected)")
        }
        return out
    }

    /// CRC-32 (zlib's).
    static func checksum(_ data: [UInt8]) -> UInt32 {
        data.withUnsafeBufferPointer { p in
            var crc: UInt = crc32(0, nil, 0)
            var base = p.baseAddress, left = p.count
            while left > 0 {
                let n = min(left, Int(UInt32.max))
                crc = crc32(crc, base, UInt32(n))
                base = base.map { $0 + n }
                left -= n
            }
            return UInt32(truncatingIfNeeded: crc)
        }
    }

    /// Raw deflate of `data` at zlib's default level.
    private static func deflate(_ data: [UInt8], file: String) throws -> [UInt8] {
        var stream = z_stream()
        guard deflateInit2_(&stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY,
                            ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw TensorIOError(file: file, problem: "zlib could not start deflating")
        }
        defer { deflateEnd(&stream) }
        var out = [UInt8](repeating: 0, count: Int(deflateBound(&stream, UInt(data.count))))
        var input = data
        let status: Int32 = input.withUnsafeMutableBufferPointer { inp in
            out.withUnsafeMutableBufferPointer { o in
                stream.next_in = inp.baseAddress
                stream.avail_in = UInt32(inp.count)
                stream.next_out = o.baseAddress
                stream.avail_out = UInt32(o.count)
                return CZlib.deflate(&stream, Z_FINISH)
            }
        }
        guard status == Z_STREAM_END else { throw TensorIOError(file: file, problem: "zlib deflate failed (error \(status))") }
        out.removeLast(Int(stream.avail_out))
        return out
    }

    /// A zip image of `members`, stored or deflated. Members and the archive must stay below 4 GiB
    /// (no ZIP64 on write; use .safetensors for larger models).
    static func write(_ members: [Member], compressed: Bool, file: String) throws -> [UInt8] {
        var out: [UInt8] = [], central: [UInt8] = []
        for m in members {
            let crc = checksum(m.bytes)
            let body = compressed ? try deflate(m.bytes, file: file) : m.bytes
            let name = Array(m.name.utf8)
            guard m.bytes.count < 0xFFFF_FFFF, body.count < 0xFFFF_FFFF, out.count < 0xFFFF_FFFF, name.count < 0xFFFF else {
                throw TensorIOError(file: file, problem: "member '\(m.name)' is too large for the .npz writer (4 GiB); save as .safetensors")
            }
            let method: UInt16 = compressed ? 8 : 0
            func common(_ h: inout [UInt8]) {
                appendLE(UInt16(20), &h)                 // version needed
                appendLE(UInt16(0x0800), &h)             // flags: UTF-8 names
                appendLE(method, &h)
                appendLE(UInt16(0), &h); appendLE(UInt16(0x21), &h) // time, date (1980-01-01)
                appendLE(crc, &h)
                appendLE(UInt32(body.count), &h); appendLE(UInt32(m.bytes.count), &h)
                appendLE(UInt16(name.count), &h); appendLE(UInt16(0), &h)
            }
            appendLE(centralSignature, &central)
            appendLE(UInt16(0x0314), &central)               // made by: Unix, 2.0
            common(&central)
            appendLE(UInt16(0), &central); appendLE(UInt16(0), &central); appendLE(UInt16(0), &central)
            appendLE(UInt32(0o100644) << 16, &central)       // external attributes: -rw-r--r--
            appendLE(UInt32(out.count), &central)
            central += name
            appendLE(localSignature, &out)
            common(&out)
            out += name
            out += body
        }
        guard out.count < 0xFFFF_FFFF, members.count < 0xFFFF else {
            throw TensorIOError(file: file, problem: "archive is too large for the .npz writer (4 GiB); save as .safetensors")
        }
        let cdOffset = out.count
        out += central
        appendLE(eocdSignature, &out)
        appendLE(UInt16(0), &out); appendLE(UInt16(0), &out)
        appendLE(UInt16(members.count), &out); appendLE(UInt16(members.count), &out)
        appendLE(UInt32(central.count), &out); appendLE(UInt32(cdOffset), &out)
        appendLE(UInt16(0), &out)
        return out
    }
}

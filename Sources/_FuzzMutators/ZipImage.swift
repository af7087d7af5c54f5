/// Just enough zip for the fuzz suite to take a seed archive apart and write it back with correct CRCs,
/// so that mutations of a member's content (a `.npy` header, a checkpoint's `data.pkl`) reach the
/// member's parser instead of stopping at the CRC check. Every read is bounds-checked; anything it does
/// not understand gives nil (the mutator then falls back to byte-level mutations).
struct ZipImage {
    struct Member {
        var name: [UInt8]
        var method: UInt16
        var crc: UInt32
        var data: [UInt8]      // as stored (deflated members stay deflated)
        var uncompressed: Int
    }
    var members: [Member]

    init(members: [Member]) { self.members = members }

    init?(_ b: [UInt8]) {
        func u16(_ o: Int) -> Int? { o >= 0 && o + 2 <= b.count ? Int(b[o]) | Int(b[o + 1]) << 8 : nil }
        func u32(_ o: Int) -> Int? {
            guard let lo = u16(o), let hi = u16(o + 2) else { return nil }
            return lo | hi << 16
        }
        guard b.count >= 22, let eocd = (0...(b.count - 22)).reversed().first(where: { u32($0) == 0x0605_4B50 }),
              let count = u16(eocd + 10), var o = u32(eocd + 16) else { return nil }
        var members: [Member] = []
        for _ in 0..<count {
            guard u32(o) == 0x0201_4B50, let method = u16(o + 10), let crc = u32(o + 16), var csize = u32(o + 20), var usize = u32(o + 24),
                  let nlen = u16(o + 28), let elen = u16(o + 30), let clen = u16(o + 32), var local = u32(o + 42),
                  o + 46 + nlen + elen <= b.count else { return nil }
            // ZIP64 extra field: sizes and offset that are 0xFFFFFFFF above.
            var e = o + 46 + nlen
            while e + 4 <= o + 46 + nlen + elen, let id = u16(e), let size = u16(e + 2) {
                if id == 1 {
                    var f = e + 4
                    func u64(_ p: Int) -> Int? {
                        guard let lo = u32(p), let hi = u32(p + 4), hi < 0x7FFF_FFFF else { return nil }
                        return lo | hi << 32
                    }
                    if usize == 0xFFFF_FFFF, let v = u64(f) { usize = v; f += 8 }
                    if csize == 0xFFFF_FFFF, let v = u64(f) { csize = v; f += 8 }
                    if local == 0xFFFF_FFFF, let v = u64(f) { local = v; f += 8 }
                }
                e += 4 + size
            }
            guard let ln = u16(local + 26), let le = u16(local + 28) else { return nil }
            let start = local + 30 + ln + le
            guard start + csize <= b.count else { return nil }
            members.append(Member(name: Array(b[(o + 46)..<(o + 46 + nlen)]), method: UInt16(method), crc: UInt32(crc),
                                  data: Array(b[start..<(start + csize)]), uncompressed: usize))
            o += 46 + nlen + elen + clen
        }
        self.members = members
    }

    /// The archive as bytes: local headers and data, the central directory, the end record (no ZIP64).
    var bytes: [UInt8] {
        var out: [UInt8] = [], central: [UInt8] = []
        func le(_ v: Int, _ width: Int, _ into: inout [UInt8]) { for k in 0..<width { into.append(UInt8(truncatingIfNeeded: v >> (8 * k))) } }
        for m in members {
            let offset = out.count
            func common(_ h: inout [UInt8]) {
                le(20, 2, &h); le(0, 2, &h); le(Int(m.method), 2, &h); le(0, 2, &h); le(0x21, 2, &h)
                le(Int(m.crc), 4, &h); le(m.data.count, 4, &h); le(m.uncompressed, 4, &h); le(m.name.count, 2, &h); le(0, 2, &h)
            }
            le(0x0403_4B50, 4, &out); common(&out); out += m.name; out += m.data
            le(0x0201_4B50, 4, &central); le(20, 2, &central); common(&central)
            le(0, 2, &central); le(0, 2, &central); le(0, 2, &central); le(0, 4, &central); le(offset, 4, &central)
            central += m.name
        }
        let cdOffset = out.count
        out += central
        le(0x0605_4B50, 4, &out); le(0, 2, &out); le(0, 2, &out)
        le(members.count, 2, &out); le(members.count, 2, &out); le(central.count, 4, &out); le(cdOffset, 4, &out); le(0, 2, &out)
        return out
    }

    /// CRC-32 (the zip polynomial 0xEDB88320), bitwise: seeds are small.
    static func crc32(_ data: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in data {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return ~crc
    }
}

/// Little-endian raw element bytes ⇄ `Tensor`, shared by .npy and .safetensors.
enum ElementCoding {
    /// Decodes `bytes` (exactly `product(shape)·itemsize` of them, checked by the caller) as a tensor.
    static func decode(_ bytes: ArraySlice<UInt8>, type: ElementType, shape: [Int]) throws -> Tensor {
        let n = bytes.count / type.byteCount
        return try bytes.withUnsafeBytes { raw -> Tensor in
            switch type {
            case .float64:
                let v = (0..<n).map { Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 8 * $0, as: UInt64.self))) }
                return try Tensor(shape: shape, values: v, elementType: .float64)
            case .float32:
                let v = (0..<n).map { Double(Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self)))) }
                return try Tensor(shape: shape, values: v, elementType: .float32)
            case .int64:
                let v = (0..<n).map { Int64(littleEndian: raw.loadUnaligned(fromByteOffset: 8 * $0, as: Int64.self)) }
                return try Tensor(shape: shape, integers: v, elementType: .int64)
            case .int32:
                let v = (0..<n).map { Int64(Int32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * $0, as: Int32.self))) }
                return try Tensor(shape: shape, integers: v, elementType: .int32)
            case .uint8:
                return try Tensor(shape: shape, integers: raw.map { Int64($0) }, elementType: .uint8)
            }
        }
    }

    /// Appends the tensor's elements as little-endian bytes of its element type.
    static func encode(_ t: Tensor, into out: inout [UInt8]) {
        out.reserveCapacity(out.count + t.elementCount * t.elementType.byteCount)
        switch t.elementType {
        case .float64: for v in t.values { appendLE(v.bitPattern, &out) }
        case .float32: for v in t.values { appendLE(Float(v).bitPattern, &out) }
        case .int64: for v in t.integers ?? [] { appendLE(UInt64(bitPattern: v), &out) }
        case .int32: for v in t.integers ?? [] { appendLE(UInt32(bitPattern: Int32(truncatingIfNeeded: v)), &out) }
        case .uint8: for v in t.integers ?? [] { out.append(UInt8(truncatingIfNeeded: v)) }
        }
    }
}

/// Appends `x` as little-endian bytes.
@inline(__always)
func appendLE<T: FixedWidthInteger>(_ x: T, _ out: inout [UInt8]) {
    var v = x.littleEndian
    withUnsafeBytes(of: &v) { out.append(contentsOf: $0) }
}

/// Reads a little-endian integer at `offset` of `bytes`; the caller has checked the bounds.
@inline(__always)
func readLE<T: FixedWidthInteger>(_ bytes: ArraySlice<UInt8>, _ offset: Int, as: T.Type) -> T {
    var v: T = 0
    for k in 0..<MemoryLayout<T>.size { v |= T(bytes[bytes.startIndex + offset + k]) << (8 * k) }
    return v
}

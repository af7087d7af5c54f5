/// Turning a tensor view (`TorchTensorRef`) of a raw storage into a `Tensor`.
///
/// A storage is the zip member `<archive>/data/<key>`: `count` little-endian elements of its type, no
/// header. A view picks element (i₀, …, iₙ₋₁) at storage index `offset + Σ iₖ·strideₖ`, so transposed
/// (non-contiguous) views and several tensors sharing one storage read exactly what PyTorch shows.
/// Everything is checked before an element is read: the storage exists, its byte size is a multiple of
/// the element size and matches the persistent id's count, product(size) does not overflow, and the
/// largest index the view reaches lies inside the storage; all arithmetic is overflow-checked.
enum TorchStorage {
    /// The tensor `name` of `file`. `storage` is the member's bytes (nil when it is missing); `budget` is
    /// the number of elements the caller still allows (the file's total), decreased by this tensor's.
    static func tensor(_ ref: TorchTensorRef, storage: [UInt8]?, name: String, file: String, budget: inout Int) throws -> Tensor {
        func fail(_ p: String) -> TensorIOError { TensorIOError(file: file, problem: "tensor '\(name)': \(p)") }
        let s = ref.storage, itemSize = s.type.byteCount
        guard let bytes = storage else { throw fail("its storage data/\(s.key) is missing from the archive") }
        guard bytes.count % itemSize == 0 else {
            throw fail("storage data/\(s.key) has \(bytes.count) bytes, not a multiple of \(itemSize) (\(s.type.storageName))")
        }
        guard bytes.count / itemSize == s.count else {
            throw fail("header lies about sizes: storage data/\(s.key) has \(bytes.count / itemSize) elements but its persistent id says \(s.count)")
        }
        let view = "size \(Tensor.describe(ref.size)), stride \(Tensor.describe(ref.stride)), offset \(ref.offset)"
        let n: Int
        do { n = try Tensor.elementCount(ref.size, file: file) } catch let e as TensorIOError { throw fail(e.problem) }
        if n == 0 {
            guard ref.offset <= s.count else { throw fail("offset \(ref.offset) points past the end of storage data/\(s.key) (\(s.count) elements)") }
        } else {
            var last = ref.offset
            for (d, st) in zip(ref.size, ref.stride) {
                let (step, o1) = (d - 1).multipliedReportingOverflow(by: st)
                let (sum, o2) = last.addingReportingOverflow(step)
                guard !o1, !o2 else { throw fail("\(view) overflows") }
                last = sum
            }
            guard last < s.count else {
                throw fail("\(view) reaches element \(last) of storage data/\(s.key), which has \(s.count) elements (points past the end)")
            }
        }
        guard n <= budget else {
            throw fail("\(n) elements would exceed what GradLab reads from a file of this size (views that repeat a storage's elements, such as expand(); save a .contiguous() copy)")
        }
        budget -= n
        return try bytes.withUnsafeBytes { raw -> Tensor in
            func u16(_ i: Int) -> UInt16 { UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)) }
            func u32(_ i: Int) -> UInt32 { UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)) }
            func u64(_ i: Int) -> UInt64 { UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self)) }
            func floats(_ element: (Int) -> Double) throws -> Tensor {
                try Tensor(shape: ref.size, values: gather(ref, count: n, element), elementType: s.type.elementType)
            }
            func integers(_ element: (Int) -> Int64) throws -> Tensor {
                try Tensor(shape: ref.size, integers: gather(ref, count: n, element), elementType: s.type.elementType)
            }
            switch s.type {
            case .float64: return try floats { Double(bitPattern: u64($0)) }
            case .float32: return try floats { Double(Float(bitPattern: u32($0))) }
            case .float16: return try floats { widenedHalf(u16($0)) }
            case .bfloat16: return try floats { Double(Float(bitPattern: UInt32(u16($0)) << 16)) }
            case .int64: return try integers { Int64(bitPattern: u64($0)) }
            case .int32: return try integers { Int64(Int32(bitPattern: u32($0))) }
            case .uint8, .bool: return try integers { Int64(raw[$0]) }
            }
        }
    }

    /// `element(i)` for the storage index i of each of the view's `n` elements, in row-major order
    /// (bounds already checked by the caller).
    static func gather<T>(_ ref: TorchTensorRef, count n: Int, _ element: (Int) -> T) -> [T] {
        guard n > 0 else { return [] }
        var out = [T]()
        out.reserveCapacity(n)
        // An axis of length 1 never steps, whatever its stride (which the bounds check did not limit).
        let stride = zip(ref.size, ref.stride).map { $0 == 1 ? 0 : $1 }
        var counter = [Int](repeating: 0, count: ref.size.count)
        var index = ref.offset
        for _ in 0..<n {
            out.append(element(index))
            // Odometer: bump the last axis, carrying into earlier ones.
            var d = ref.size.count - 1
            while d >= 0 {
                counter[d] += 1
                index += stride[d]
                if counter[d] < ref.size[d] { break }
                index -= stride[d] * counter[d]
                counter[d] = 0
                d -= 1
            }
        }
        return out
    }

    /// IEEE binary16 → Float64, exactly (subnormals, ±0, ±inf; NaN keeps its sign and payload bits).
    static func widenedHalf(_ h: UInt16) -> Double {
        let sign: Double = h & 0x8000 != 0 ? -1 : 1
        let exponent = Int(h >> 10) & 0x1F, mantissa = Int(h & 0x3FF)
        switch exponent {
        case 0: return sign * Double(mantissa) * 0x1p-24
        case 31: return Double(Float(bitPattern: UInt32(h & 0x8000) << 16 | 0x7F80_0000 | UInt32(mantissa) << 13))
        default: return sign * Double(1024 + mantissa) * Double(sign: .plus, exponent: exponent - 25, significand: 1)
        }
    }
}

/// The values of GradLab's restricted pickle machine (`PickleMachine`) and the few PyTorch callables it
/// knows by name. Nothing here refers to code: a "global" is an entry of a fixed allow-list, and calling
/// one builds a description (`TorchTensorRef`), never an object of the pickling program.

/// One value on the pickle stack. Lists and dicts are mutable and shared by reference in pickle (the
/// memo can hand out the same dict twice and SETITEMS then mutates it), so they are ids into the
/// machine's `lists`/`dicts` tables; tuples are immutable and stored inline, their nesting capped.
enum PickleValue: Sendable {
    case none
    case bool(Bool)
    case int(Int64)
    /// An integer beyond Int64 (LONG1/LONG4): kept only as an opaque leaf of plain data.
    case bigInt
    case float(Double)
    case string(String)
    case bytes([UInt8])
    case tuple(PickleTuple)
    /// A list (or set/frozenset, which pickle builds the same way): index into `PickleGraph.lists`.
    case list(Int)
    /// A dict or `collections.OrderedDict`: index into `PickleGraph.dicts`.
    case dict(Int)
    case global(TorchGlobal)
    /// A persistent id `('storage', torch.FloatStorage, '0', 'cpu', 6)`: storage `data/0` of 6 floats.
    indirect case storage(TorchStorageRef)
    /// `torch._utils._rebuild_tensor_v2(storage, offset, size, stride, …)`: a view of a storage.
    indirect case tensor(TorchTensorRef)

    /// What the value is, for messages ("a tuple", "the global torch.FloatStorage").
    var kind: String {
        switch self {
        case .none: "None"
        case .bool: "a bool"
        case .int, .bigInt: "an int"
        case .float: "a float"
        case .string: "a string"
        case .bytes: "bytes"
        case .tuple: "a tuple"
        case .list: "a list"
        case .dict: "a dict"
        case .global(let g): "the global \(g.qualifiedName)"
        case .storage: "a storage"
        case .tensor: "a tensor"
        }
    }

    /// How many tuples deep the value nests (0 for everything but tuples).
    var depth: Int { if case .tuple(let t) = self { t.depth } else { 0 } }
}

/// An immutable tuple and its nesting depth (checked when built, so no walk over it can recurse deeply).
struct PickleTuple: Sendable {
    let items: [PickleValue]
    let depth: Int

    init(_ items: [PickleValue]) {
        self.items = items
        depth = 1 + (items.map(\.depth).max() ?? 0)
    }
}

/// A dict key: pickle dicts in checkpoints are keyed by strings (state dicts), ints (optimizer state)
/// and occasionally other scalars; tuple or container keys are refused, so hashing stays cheap.
enum PickleKey: Hashable, Sendable {
    case none, bool(Bool), int(Int64), float(Double), string(String)

    init?(_ v: PickleValue) {
        switch v {
        case .none: self = .none
        case .bool(let b): self = .bool(b)
        case .int(let i): self = .int(i)
        case .float(let d): self = .float(d)
        case .string(let s): self = .string(s)
        default: return nil
        }
    }

    var description: String {
        switch self {
        case .none: "None"
        case .bool(let b): b ? "True" : "False"
        case .int(let i): String(i)
        case .float(let d): String(d)
        case .string(let s): "'\(s)'"
        }
    }
}

/// An insertion-ordered dict (Python dicts keep insertion order; a later equal key replaces the value
/// in place, as `d[k] = v` does).
struct PickleDict: Sendable {
    private(set) var keys: [PickleKey] = []
    private(set) var values: [PickleValue] = []
    private var index: [PickleKey: Int] = [:]

    subscript(key: PickleKey) -> PickleValue? { index[key].map { values[$0] } }

    mutating func set(_ key: PickleKey, _ value: PickleValue) {
        if let k = index[key] {
            values[k] = value
        } else {
            index[key] = keys.count
            keys.append(key)
            values.append(value)
        }
    }
}

/// The allow-list: the only names a GLOBAL/STACK_GLOBAL opcode may load. Anything else is refused at
/// the opcode, before any other byte is interpreted.
enum TorchGlobal: Equatable, Sendable {
    case orderedDict
    case rebuildTensorV2
    case rebuildParameter
    case rebuildParameterWithState
    case storageType(TorchStorageType)

    init?(module: String, name: String) {
        switch (module, name) {
        case ("collections", "OrderedDict"): self = .orderedDict
        case ("torch._utils", "_rebuild_tensor_v2"): self = .rebuildTensorV2
        case ("torch._utils", "_rebuild_parameter"): self = .rebuildParameter
        case ("torch._utils", "_rebuild_parameter_with_state"): self = .rebuildParameterWithState
        case ("torch", _):
            guard let t = TorchStorageType(storageName: name) else { return nil }
            self = .storageType(t)
        default: return nil
        }
    }

    var qualifiedName: String {
        switch self {
        case .orderedDict: "collections.OrderedDict"
        case .rebuildTensorV2: "torch._utils._rebuild_tensor_v2"
        case .rebuildParameter: "torch._utils._rebuild_parameter"
        case .rebuildParameterWithState: "torch._utils._rebuild_parameter_with_state"
        case .storageType(let t): "torch.\(t.storageName)"
        }
    }

    /// The allow-list as messages print it.
    static let allowedDescription = "collections.OrderedDict, torch._utils._rebuild_tensor_v2, torch._utils._rebuild_parameter, "
        + "torch._utils._rebuild_parameter_with_state, "
        + TorchStorageType.allCases.map { "torch.\($0.storageName)" }.joined(separator: ", ")
}

/// The storage classes `torch.save` names in persistent ids, with their element size and how GradLab
/// holds their values. float16 and bfloat16 widen exactly to Float64 and are tagged `.float32` (every
/// half and bfloat16 value is a float32 value, so re-saving as F32 keeps every bit of information);
/// bool is read as `.uint8` 0/1.
enum TorchStorageType: String, CaseIterable, Sendable {
    case float64 = "DoubleStorage", float32 = "FloatStorage", float16 = "HalfStorage", bfloat16 = "BFloat16Storage"
    case int64 = "LongStorage", int32 = "IntStorage", uint8 = "ByteStorage", bool = "BoolStorage"

    init?(storageName: String) { self.init(rawValue: storageName) }

    var storageName: String { rawValue }

    var byteCount: Int {
        switch self {
        case .float64, .int64: 8
        case .float32, .int32: 4
        case .float16, .bfloat16: 2
        case .uint8, .bool: 1
        }
    }

    /// The `ElementType` the values are held as.
    var elementType: ElementType {
        switch self {
        case .float64: .float64
        case .float32, .float16, .bfloat16: .float32
        case .int64: .int64
        case .int32: .int32
        case .uint8, .bool: .uint8
        }
    }
}

/// A storage named by a persistent id: the zip member `<archive>/data/<key>` holding `count` elements.
struct TorchStorageRef: Equatable, Sendable {
    let key: String
    let type: TorchStorageType
    let count: Int
}

/// A tensor view: element (i₀, …) of the tensor is storage element `offset + Σ iₖ·strideₖ`.
struct TorchTensorRef: Equatable, Sendable {
    let storage: TorchStorageRef
    let offset: Int
    let size: [Int]
    let stride: [Int]
}

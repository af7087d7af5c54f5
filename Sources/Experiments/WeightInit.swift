/// An `init.<parameter>` block. The Initializers module's `InitSpec` replaces this type when the
/// `init` branch is merged (`typealias WeightInit = InitSpec`); until then the block is kept as its
/// `kind` plus named scalar options so experiment files already parse, sweep and round-trip.
public struct WeightInit: Codable, Sendable {
    public var kind: String
    /// The other keys of the block, as written (`gain: 1.0`, `spectral_radius: 0.9`, …).
    public var options: [String: String]

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: AnyKey.self)
        kind = try c.decode(String.self, forKey: AnyKey(stringValue: "kind"))
        var options: [String: String] = [:]
        for key in c.allKeys where key.stringValue != "kind" {
            options[key.stringValue] = try c.decode(String.self, forKey: key)
        }
        self.options = options
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: AnyKey.self)
        try c.encode(kind, forKey: AnyKey(stringValue: "kind"))
        for (k, v) in options.sorted(by: { $0.key < $1.key }) { try c.encode(v, forKey: AnyKey(stringValue: k)) }
    }

    /// A numeric option, if present and a number.
    public func number(_ key: String) -> Double? { options[key].flatMap(Double.init) }

    func validateInExperiment(at path: [String]) throws {
        try require(!kind.isEmpty, "kind must not be empty", at: path + ["kind"])
    }
}

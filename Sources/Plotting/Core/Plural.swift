/// Counted nouns with number agreement, for titles, legends and notes: "1 layer", "2 layers".
public enum Plural {
    /// "1 replicate", "3 replicates", "0 replicates"; `plural` when adding "s" is wrong ("1 matrix", "2 matrices").
    public static func count(_ n: Int, _ singular: String, _ plural: String? = nil) -> String {
        "\(n) \(n == 1 ? singular : plural ?? singular + "s")"
    }
}

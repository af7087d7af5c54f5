import Foundation

/// Turns one of Cairo's SVG documents into an `<svg>` element that can sit inside an HTML page beside
/// others:
/// - the XML prolog and the namespace declarations go (HTML puts `<svg>` in the SVG namespace itself;
///   the page then holds no `http:` reference at all), and `xlink:href` becomes SVG 2's plain `href`;
/// - every `id` (Cairo names glyphs and clips `glyph0-1`, `clip1` in every document) gets `prefix`, and
///   so do the references to it (`href="#…"`, `url(#…)`), so one chart never draws another's glyphs;
/// - the fixed size in points becomes `width="100%"` with the original `viewBox`, so a chart scales to
///   its column on screen and on paper;
/// - coordinates keep two decimals (Cairo writes six; a hundredth of a point is far below a pixel);
/// - a `<title>` (the accessible name) is the first child, with `role="img"`.
enum InlineSVG {
    static func element(_ document: String, prefix: String, title: String) -> String {
        var s = document
        if let start = s.range(of: "<svg") { s.removeSubrange(s.startIndex..<start.lowerBound) }
        s = s.replacingOccurrences(of: #"\s+xmlns(:xlink)?="[^"]*""#, with: "", options: .regularExpression)
        s = s.replacingOccurrences(of: #"\s+version="1\.1""#, with: "", options: .regularExpression)
        s = s.replacingOccurrences(of: "xlink:href=", with: "href=")
        s = s.replacingOccurrences(of: #"\bid="([^"]+)""#, with: "id=\"\(prefix)$1\"", options: .regularExpression)
        s = s.replacingOccurrences(of: ##"href="#([^"]+)""##, with: "href=\"#\(prefix)$1\"", options: .regularExpression)
        s = s.replacingOccurrences(of: #"url\(#([^)]+)\)"#, with: "url(#\(prefix)$1)", options: .regularExpression)
        s = s.replacingOccurrences(of: #"(\d+\.\d\d)\d+"#, with: "$1", options: .regularExpression)
        // The outer size: only the first `width="…pt" height="…pt"` (the root element's). A chart grows to
        // at most 1.25 × its own size (CSS px are 3/4 pt), so a small heatmap does not fill a wide screen.
        if let size = s.range(of: #"width="[0-9.]+pt" height="[0-9.]+pt""#, options: .regularExpression) {
            let points = Double(s[size].dropFirst(7).prefix { $0 != "p" }) ?? 600
            s.replaceSubrange(size, with: #"width="100%" role="img" preserveAspectRatio="xMidYMid meet" style="max-width: \#(Int(points * 4 / 3 * 1.25))px""#)
        }
        if let open = s.range(of: ">") {
            s.insert(contentsOf: "\n<title>\(escape(title))</title>", at: open.upperBound)
        }
        return s.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Text for XML/HTML content and attributes.
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.count)
        for c in text {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(c)
            }
        }
        return out
    }
}

import CYaml

/// A pass over the YAML event stream (libyaml, the parser under Yams) before any node is built: it holds
/// one counter per open list or mapping, so it runs in time linear in the text and in memory bounded by
/// `Limits.depth`, and refuses, at the offending event's line and column,
/// - anchors (`&name`) and aliases (`*name`, merge keys `<<: *name`): an experiment file writes each value
///   out (sweeps and `--set` are how values are shared), and an alias is how a 1 KB file expands to
///   gigabytes of nodes;
/// - nesting deeper than `Limits.depth`, scalars longer than `Limits.scalarBytes`, lists and mappings of
///   more than `Limits.entries` entries, and more than `Limits.nodes` nodes in all.
/// YAML syntax errors are left to the composer, which reports them with Yams' messages.
enum YAMLPrescan {
    /// Checks `text`; `origin(line, column)` (1-based) locates an error.
    static func check(_ text: String, origin: @escaping (Int, Int) -> Origin) throws {
        var bytes = Array(text.utf8)
        guard !bytes.isEmpty else { return }
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else {
            throw ExperimentError(origin(1, 1), "cannot start the YAML parser (out of memory)")
        }
        defer { yaml_parser_delete(&parser) }
        try bytes.withUnsafeMutableBufferPointer { buffer in
            yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING)
            yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
            var walk = Walk(origin: origin)
            var event = yaml_event_t()
            while yaml_parser_parse(&parser, &event) == 1 {
                defer { yaml_event_delete(&event) }
                if event.type == YAML_STREAM_END_EVENT { return }
                try walk.visit(event)
            }
            // libyaml's own bound on nesting (1,000 levels) can stop the scanner before the events reach
            // `Limits.depth`: the same refusal.
            if parser.error == YAML_PARSER_ERROR, let problem = parser.problem,
               String(cString: problem).hasPrefix("Maximum nesting level") {
                throw ExperimentError(walk.at(parser.problem_mark), Walk.tooDeep)
            }
        }
    }

    /// The state of the walk: one entry count per open collection, the number of nodes so far.
    private struct Walk {
        let origin: (Int, Int) -> Origin
        var open: [(origin: Origin, mapping: Bool, children: Int)] = []
        var nodes = 0

        static let tooDeep = "nested more than \(Limits.depth) levels deep; experiment files are limited to \(Limits.depth) levels of lists and mappings"

        func at(_ mark: yaml_mark_t) -> Origin { origin(Int(mark.line) + 1, Int(mark.column) + 1) }

        mutating func visit(_ event: yaml_event_t) throws {
            let here = at(event.start_mark)
            switch event.type {
            case YAML_ALIAS_EVENT:
                throw ExperimentError(here, "YAML aliases (*name) are not supported in experiment files; write the value out (sweep: and --set share values)")
            case YAML_SCALAR_EVENT:
                try refuseAnchor(event.data.scalar.anchor, at: here)
                try countNode(at: here)
                if event.data.scalar.length > Limits.scalarBytes {
                    throw ExperimentError(here, "a value of \(Limits.grouped(Int(event.data.scalar.length))) bytes; values are limited to \(Limits.grouped(Limits.scalarBytes)) bytes")
                }
            case YAML_SEQUENCE_START_EVENT, YAML_MAPPING_START_EVENT:
                let mapping = event.type == YAML_MAPPING_START_EVENT
                try refuseAnchor(mapping ? event.data.mapping_start.anchor : event.data.sequence_start.anchor, at: here)
                try countNode(at: here)
                if open.count >= Limits.depth {
                    throw ExperimentError(here, Walk.tooDeep)
                }
                open.append((here, mapping, 0))
            case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
                _ = open.popLast()
            default:
                break
            }
        }

        /// Counts a node in the file and in its parent collection (a mapping's entry is a key and a value).
        private mutating func countNode(at here: Origin) throws {
            nodes += 1
            if nodes > Limits.nodes {
                throw ExperimentError(here, "more than \(Limits.grouped(Limits.nodes)) values in all; experiment files are limited to \(Limits.grouped(Limits.nodes))")
            }
            guard let last = open.indices.last else { return }
            open[last].children += 1
            let entries = open[last].mapping ? (open[last].children + 1) / 2 : open[last].children
            if entries > Limits.entries {
                let what = open[last].mapping ? "a mapping" : "a list"
                throw ExperimentError(open[last].origin, "\(what) of more than \(Limits.grouped(Limits.entries)) entries; lists and mappings are limited to \(Limits.grouped(Limits.entries)) entries")
            }
        }

        private func refuseAnchor(_ anchor: UnsafeMutablePointer<yaml_char_t>?, at here: Origin) throws {
            guard let anchor else { return }
            let name = String(String(cString: anchor).prefix(40))
            throw ExperimentError(here, "YAML anchors (&\(name)) and aliases are not supported in experiment files; write the value out (sweep: and --set share values)")
        }
    }
}

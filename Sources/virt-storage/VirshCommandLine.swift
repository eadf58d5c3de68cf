/// One option of a virsh verb, as virsh's option table describes it.
struct VirshOption: Sendable {
    enum Kind: Sendable { case bool, string, data, int }
    var name: String
    var kind: Kind
    /// Taken only by name (virsh's VSH_OFLAG_REQ_OPT); the others that take
    /// a value may also be given by position.
    var namedOnly = false
    /// A number read as strtoull reads it, a negative one wrapping around
    /// (virsh's vshCommandOptULongLongWrap: `--length -1` is "all");
    /// otherwise a sign `-` is refused.
    var wrapping = false

    static func bool(_ name: String) -> VirshOption { VirshOption(name: name, kind: .bool) }
    /// Required, and given by name or position.
    static func data(_ name: String) -> VirshOption { VirshOption(name: name, kind: .data) }
    static func string(_ name: String, namedOnly: Bool = false) -> VirshOption {
        VirshOption(name: name, kind: .string, namedOnly: namedOnly)
    }
    static func int(_ name: String, namedOnly: Bool = false, wrapping: Bool = false) -> VirshOption {
        VirshOption(name: name, kind: .int, namedOnly: namedOnly, wrapping: wrapping)
    }

    var takesValue: Bool { kind != .bool }
    var positional: Bool { takesValue && !namedOnly }
}

/// A mistake on the command line, worded as virsh words it; virsh prints it
/// alone (no step line) and exits with status 1. Those virsh finds while
/// reading the command line print nothing on stdout; those the verb finds
/// when it reads its options (`inVerb`: an empty or malformed value,
/// exclusive options) are followed by virsh's blank line there, unless quiet.
struct VirshUsageError: Error, Equatable {
    var message: String
    var inVerb = false
}

/// virsh's reading of a verb's arguments, in one place: left to right, an
/// option by name (`--name value`, `--name=value`, a boolean alone), a word
/// by position filling the first option, in the table's order, that takes a
/// value by position and has none yet, `--` making every later word a value.
/// What virsh refuses is refused with its words: an unknown option, one given
/// twice, a missing or empty value, `=` after a boolean, a word with no
/// option left to fill, a missing required option, a malformed number, two
/// exclusive options.
///
/// The result is the same arguments with every option named and its value
/// after `=` (`--vol=-v12`), which the argument parser then reads without
/// mistaking a value that begins with `-` for an option.
struct VirshCommandLine {
    /// VirtStorage's own options beyond virsh's (extensions), on every verb.
    static let everyVerb: [VirshOption] = [
        .bool("quiet"), .string("root", namedOnly: true), .bool("debug"), .bool("help"),
    ]
    /// Verbs that also print JSON (`--json`, an extension).
    static let jsonVerbs: Set<String> = [
        "find-storage-pool-sources", "find-storage-pool-sources-as", "pool-capabilities", "pool-dumpxml",
        "pool-event", "pool-info", "pool-list", "pool-name", "pool-uuid", "secret-dumpxml", "secret-list",
        "vol-dumpxml", "vol-info", "vol-key", "vol-list", "vol-name", "vol-path", "vol-pool", "vol-snapshot-list",
    ]
    /// Other extensions, by verb.
    static let extensions: [String: [VirshOption]] = [
        "pool-define": [.string("schemas", namedOnly: true)],
        "vol-clone": [.string("snapshot", namedOnly: true)],
        "pool-capabilities": [.bool("extensions")],
        "pool-define-as": [.string("thin-pool", namedOnly: true)],
        "pool-create-as": [.string("thin-pool", namedOnly: true)],
    ]

    /// VirtStorage's own verbs (extensions), read by virsh's rules.
    static let extensionVerbs: [String: [VirshOption]] = [
        "vol-snapshot-create": [.data("vol"), .data("snapshot"), .string("pool"), .string("description")],
        "vol-snapshot-list": [.data("vol"), .string("pool")],
        "vol-snapshot-revert": [.data("vol"), .data("snapshot"), .string("pool")],
        "vol-snapshot-delete": [.data("vol"), .data("snapshot"), .string("pool")],
        "vol-export": [.data("vol"), .data("file"), .string("pool"), .string("snapshot"), .string("base"), .string("format")],
        "vol-import": [.data("pool"), .data("name"), .data("file")],
    ]
    /// Pairs virsh refuses together ("Options --all and --inactive are mutually exclusive").
    static let exclusive: [String: [(String, String)]] = [
        "secret-set-value": [
            ("file", "base64"), ("plain", "base64"), ("interactive", "base64"), ("interactive", "plain"),
            ("interactive", "file"),
        ],
    ]

    /// One check a verb makes as it reads its options.
    enum Check: Equatable {
        case number(String)
        case exclusive(String, String)
        case empty(String)
        /// The lookup of what the verb works on: later mistakes wait for it.
        case lookup
    }

    /// The verb's checks in the order its code makes them. By default:
    /// numbers (in the table's order), the exclusive pairs, the options the
    /// lookup reads, then the lookup; verbs whose code differs say so.
    var script: [Check] {
        if let own = Self.scripts[verb] { return own }
        let first = Self.readFirst(verb)
        return options.filter { $0.kind == .int }.map { .number($0.name) }
            + (Self.exclusive[verb] ?? []).map { .exclusive($0.0, $0.1) } + first.map { .empty($0) }
            + (first.isEmpty ? [] : [.lookup])
    }

    static let scripts: [String: [Check]] = [
        // cmdPoolCreate reads the file before its build flags.
        "pool-create": [.empty("file"), .exclusive("overwrite", "no-overwrite")],
        // cmdPoolStart looks the pool up before it reads its build flags.
        "pool-start": [.empty("pool"), .lookup, .exclusive("overwrite", "no-overwrite")],
        "pool-list": [
            .exclusive("all", "inactive"), .empty("type"), .exclusive("details", "uuid"), .exclusive("details", "name"),
        ],
        // virshBuildPoolXML reads --source-format before --target;
        // cmdPoolCreateAs checks its build flags before that.
        "pool-define-as": [.exclusive("secret-usage", "secret-uuid")] + poolXMLReads,
        "pool-create-as": [.exclusive("overwrite", "no-overwrite"), .exclusive("secret-usage", "secret-uuid")]
            + poolXMLReads,
        // cmdPoolEvent: the event, the timeout, and the pool only then.
        "pool-event": [.empty("event"), .number("timeout"), .empty("pool")],
    ]

    /// The first options virshBuildPoolXML reads, in its order.
    private static let poolXMLReads: [Check] = [
        "name", "type", "source-host", "source-path", "source-dev", "source-name", "source-format", "target",
    ].map { .empty($0) }

    /// Options a verb reads with vshCommandOptStringQuiet: an empty value
    /// fails the verb with exit status 1 and nothing on stderr.
    static let quietlyRead: [String: Set<String>] = [
        "pool-dumpxml": ["xpath"], "vol-dumpxml": ["xpath"], "secret-dumpxml": ["xpath"],
    ]

    let verb: String
    let options: [VirshOption]

    init?(verb: String) {
        guard let table = VirshOptionTable.verbs[verb] ?? Self.extensionVerbs[verb] else { return nil }
        self.verb = verb
        options =
            table + Self.everyVerb + (Self.jsonVerbs.contains(verb) ? [.bool("json")] : [])
            + (Self.extensions[verb] ?? [])
    }

    /// The options each verb reads first, in order, to look up what it works
    /// on: an empty value there is refused at once, an empty value elsewhere
    /// only once the lookup succeeded (`deferred`), as virsh reads them.
    static func readFirst(_ verb: String) -> [String] {
        switch verb {
        case "vol-create-as", "vol-create", "vol-list": ["pool"]
        // The input volume (vol, inputpool) only after the pool and the file.
        case "vol-create-from": ["pool"]
        case "vol-name", "vol-pool": ["vol"]
        case _ where verb.hasPrefix("vol-"): ["vol", "pool"]
        case _ where verb.hasPrefix("pool-") && (VirshOptionTable.verbs[verb]?.first?.name == "pool"): ["pool"]
        default: []
        }
    }

    /// The verb's arguments (after the verb) with every option named, and
    /// the mistake virsh would report only after its lookups (an empty value).
    func normalize(_ arguments: [String]) throws(VirshUsageError) -> (arguments: [String], deferred: VirshUsageError?) {
        var values: [(VirshOption, String?)] = []
        var seen: Set<String> = []
        var dataOnly = false
        var words = arguments[...]
        func see(_ option: VirshOption) throws(VirshUsageError) {
            guard !seen.contains(option.name) else { throw VirshUsageError(message: "option --\(option.name) already seen") }
            seen.insert(option.name)
        }
        while let word = words.popFirst() {
            if !dataOnly, word.hasPrefix("--"), let third = word.utf8.dropFirst(2).first,
                (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(third | 0x20)
                    || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(third)
            {
                let body = word.dropFirst(2)
                let name = String(body.prefix { $0 != "=" })
                let inline = body.contains("=") ? String(body.drop { $0 != "=" }.dropFirst()) : nil
                guard let option = options.first(where: { $0.name == name }) else {
                    throw VirshUsageError(message: "command '\(verb)' doesn't support option --\(name)")
                }
                try see(option)
                if option.takesValue {
                    guard let value = inline ?? words.popFirst() else {
                        throw VirshUsageError(
                            message: "expected syntax: --\(name) <\(option.kind == .int ? "number" : "string")>")
                    }
                    values.append((option, value))
                } else {
                    guard inline == nil else { throw VirshUsageError(message: "invalid '=' after option --\(name)") }
                    values.append((option, nil))
                }
            } else if !dataOnly && word == "--" {
                dataOnly = true
            } else {
                guard let option = options.first(where: { $0.positional && !seen.contains($0.name) }) else {
                    throw VirshUsageError(message: "unexpected data '\(word)'")
                }
                try see(option)
                values.append((option, word))
            }
        }
        if seen.contains("help") { return (arguments, nil) }
        // pool-event --list lists the event types before reading anything else.
        if verb == "pool-event" && seen.contains("list") { return (["--list"], nil) }
        for option in options where option.kind == .data && !seen.contains(option.name) {
            throw VirshUsageError(message: "command '\(verb)' requires <\(option.name)> option")
        }
        func empty(_ name: String) -> VirshUsageError {
            // Read quietly (vshCommandOptStringQuiet), an empty value fails the verb without a word.
            Self.quietlyRead[verb]?.contains(name) == true
                ? VirshUsageError(message: "", inVerb: true)
                : VirshUsageError(message: "Failed to get option '\(name)': Option argument is empty", inVerb: true)
        }
        // The verb's checks in its code's order: a mistake before its lookup
        // is refused now, one after it once the lookup succeeded.
        var afterLookup = false
        var deferred: VirshUsageError?
        for check in script {
            var failure: VirshUsageError?
            switch check {
            case .number(let name):
                guard let option = options.first(where: { $0.name == name }),
                    let index = values.firstIndex(where: { $0.0.name == name }), let value = values[index].1
                else { break }
                guard let number = Self.number(value, wrapping: option.wrapping) else {
                    failure = VirshUsageError(
                        message: "Numeric value '\(value)' for <\(name)> option is malformed or out of range",
                        inVerb: true)
                    break
                }
                values[index].1 = String(number)
            case .exclusive(let a, let b):
                if seen.contains(a) && seen.contains(b) {
                    failure = VirshUsageError(message: "Options --\(a) and --\(b) are mutually exclusive", inVerb: true)
                }
            case .empty(let name):
                if values.contains(where: { $0.0.name == name && $0.1 == "" }) { failure = empty(name) }
            case .lookup:
                afterLookup = true
            }
            if let failure {
                guard afterLookup else { throw failure }
                deferred = deferred ?? failure
            }
        }
        // The other options in the table's order, the order virsh's verbs
        // read them in (a script names those read otherwise).
        let scripted = Set(script.compactMap { if case .empty(let name) = $0 { name } else { nil } })
        deferred =
            deferred
            ?? options.first { option in
                !scripted.contains(option.name) && values.contains { $0.0.name == option.name && $0.1 == "" }
            }.map { empty($0.name) }
        if let deferred, !afterLookup { throw deferred }
        // An empty value goes on as a word of its own (`--name=` would read as
        // a missing value); the verb reports it after its lookup.
        let named = values.flatMap { option, value in
            value.map { $0.isEmpty ? ["--\(option.name)", ""] : ["--\(option.name)=\($0)"] } ?? ["--\(option.name)"]
        }
        return (named, deferred)
    }

    /// A number as virsh reads one for an integer option (strtoull, base
    /// 10, the whole text): leading blanks, a sign, decimal digits that fit
    /// 64 bits. A `-` wraps around when `wrapping`, and is refused otherwise.
    static func number(_ text: String, wrapping: Bool) -> UInt64? {
        var rest = text.utf8.drop { $0 == 0x20 || (0x09...0x0D).contains($0) }
        var negative = false
        if let sign = rest.first, sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") {
            negative = sign == UInt8(ascii: "-")
            rest = rest.dropFirst()
        }
        guard !rest.isEmpty, rest.allSatisfy({ (0x30...0x39).contains($0) }),
            let magnitude = UInt64(String(decoding: rest, as: UTF8.self))
        else { return nil }
        if !negative { return magnitude }
        return wrapping ? 0 &- magnitude : nil
    }
}

/// A program and its arguments, run without a shell. Renders the way libvirt's
/// virCommandToString does, so commands compare equal to libvirt's argv files.
public struct Command: Sendable, Equatable, Hashable, CustomStringConvertible {
    /// A bare name ("mount", "qemu-img") resolved on PATH when run, or an absolute path.
    public var program: String
    public var arguments: [String]
    public var environment: [String: String]

    public init(_ program: String, _ arguments: [String] = [], environment: [String: String] = [:]) {
        self.program = program
        self.arguments = arguments
        self.environment = environment
    }

    public var description: String { rendered() }

    /// libvirt's rendering: environment first, the program, then one argument
    /// per line; an option's value stays on the option's line; every line but
    /// the last ends in " \".
    public func rendered() -> String {
        var out = ""
        for key in environment.keys.sorted() {
            out += "\(key)=\(Self.shellEscape(environment[key]!)) \\\n"
        }
        out += Self.shellEscape(program)
        var hadOption = false
        for (index, argument) in arguments.enumerated() {
            out += " "
            if argument.hasPrefix("-") {
                hadOption = true
                out += "\\\n"
            } else if !(hadOption && arguments[max(0, index - 1)...].contains { $0.hasPrefix("-") }) {
                // libvirt looks ahead to the end of the list here; copied as is.
                out += "\\\n"
            }
            out += Self.shellEscape(argument)
        }
        return out
    }

    /// Renders several commands, one after another, as libvirt's tests join them.
    public static func render(_ commands: [Command]) -> String {
        commands.map { $0.rendered() }.joined(separator: "\n")
    }

    /// Quotes for a POSIX shell when needed (virBufferEscapeShell).
    public static func shellEscape(_ s: String) -> String {
        if s.isEmpty { return "''" }
        let special = Set("\r\t\n !\"#$&'()*;<>?[\\]^`{|}~")
        guard s.contains(where: { special.contains($0) }) else { return s }
        var out = "'"
        for ch in s { out += ch == "'" ? "'\\''" : String(ch) }
        return out + "'"
    }
}

/// The operating system whose tools a command is built for.
public enum Platform: String, Sendable, CaseIterable {
    case linux, freebsd, other

    public static var current: Platform {
        #if os(Linux)
            .linux
        #elseif os(FreeBSD)
            .freebsd
        #else
            .other
        #endif
    }
}

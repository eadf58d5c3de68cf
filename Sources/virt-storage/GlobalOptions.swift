import ArgumentParser

/// Options every verb takes.
struct GlobalOptions: ParsableArguments {
    @Flag(name: [.short, .customLong("quiet")], help: "quiet mode: no blank line after a command's output")
    var quiet = false

    /// Prints a command's output; like virsh, a blank line follows unless quiet.
    func emit(_ text: String) {
        print(text, terminator: "")
        if !quiet { print() }
    }
}

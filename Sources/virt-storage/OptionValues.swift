import VirtStorage

/// A verb's option values by name. VirshCommandLine has already read the
/// command line as virsh does (words given by position bound to their
/// options), so the argument parser hands every value over by name.
enum OptionValues {
    /// The options that have a value.
    static func collect(_ named: [String: String?]) -> [String: String] { named.compactMapValues { $0 } }

    /// An option that may be absent, but not empty (virsh's vshCommandOptStringReq).
    static func optional(_ values: [String: String], _ option: String) throws -> String? {
        guard let value = values[option] else { return nil }
        guard !value.isEmpty else {
            throw CommandLineError("Failed to get option '\(option)': Option argument is empty")
        }
        return value
    }

    static func require(_ values: [String: String], _ option: String) throws -> String {
        guard let value = values[option] else {
            throw StorageError(.invalidArgument, "command requires the <\(option)> option", element: "--\(option)")
        }
        guard !value.isEmpty else {
            throw CommandLineError("Failed to get option '\(option)': Option argument is empty")
        }
        return value
    }
}

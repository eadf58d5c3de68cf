import VirtStorage

/// virsh lets every non-boolean option be given by position: positional words
/// fill, in the command's declared order, the options not already named.
struct PositionalBinding {
    var order: [String]

    /// Returns the value of each option after filling from `positional`.
    func bind(named: [String: String?], positional: [String]) throws(StorageError) -> [String: String] {
        var values: [String: String] = [:]
        for (key, value) in named { if let value { values[key] = value } }
        var words = positional[...]
        for option in order where values[option] == nil {
            guard let word = words.popFirst() else { break }
            values[option] = word
        }
        if let extra = words.first {
            throw StorageError(
                .invalidArgument, "unexpected data '\(extra)': every option already has a value", value: extra)
        }
        return values
    }

    static func require(_ values: [String: String], _ option: String) throws(StorageError) -> String {
        guard let value = values[option] else {
            throw StorageError(.invalidArgument, "command requires the <\(option)> option", element: "--\(option)")
        }
        guard !value.isEmpty else {
            throw StorageError.usage("Failed to get option '\(option)': Option argument is empty")
        }
        return value
    }
}

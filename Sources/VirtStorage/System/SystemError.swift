import Foundation

/// StorageErrors for failed system calls, carrying errno and the path.
public enum SystemError {
    /// "what: strerror(errno)", with errno and the path kept in the error.
    public static func make(_ what: String, path: String? = nil, errno code: Int32 = errno) -> StorageError {
        StorageError(.systemError, "\(what): \(String(cString: strerror(code)))", errno: code, path: path)
    }
}

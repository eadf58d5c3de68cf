import Foundation

/// A backend's C library, opened when the first pool of its type needs it.
///
/// The native backends do not link their libraries: a process that never
/// starts an rbd pool never maps librbd and its dependencies (about 10 MB
/// resident), and a binary built with every backend still runs on a host
/// that lacks some of the libraries; only pools of those types fail, with a
/// message naming the library and its package. Each backend module keeps a
/// table of the entry points it calls (its shim's `VS_LIBRARY_TABLE`) and
/// loads it once through ``load(_:package:for:resolve:)``.
package enum NativeLibrary {
    /// Opens `soname` (never closed) and fills a table of entry points with
    /// `resolve`, the shim's `…_resolve` function, which returns the name of
    /// the first entry point it cannot find.
    package static func load<Table>(
        _ soname: String, package: String, for purpose: String,
        resolve: (UnsafeMutableRawPointer, UnsafeMutablePointer<Table>) -> UnsafePointer<CChar>?
    ) -> Result<Table, StorageError> {
        // RTLD_LOCAL: the library's symbols serve only the table, never
        // another library's lookups.
        guard let handle = dlopen(soname, RTLD_NOW | RTLD_LOCAL) else {
            let reason = dlerror().map { String(cString: $0) } ?? "unknown error"
            return .failure(
                StorageError(
                    .operationUnsupported,
                    "\(purpose) need \(soname) (Debian package \(package)), which cannot be loaded: \(reason)",
                    value: soname))
        }
        let table = UnsafeMutablePointer<Table>.allocate(capacity: 1)
        defer { table.deallocate() }
        if let missing = resolve(handle, table) {
            return .failure(
                StorageError(
                    .operationUnsupported,
                    "\(purpose) need \(String(cString: missing)), which \(soname) does not have: the library is too old",
                    value: soname))
        }
        return .success(table.move())
    }

    /// The table a successful `load` gave; reaching it after a failed load
    /// is a bug (every path into a backend's library starts with `load`).
    package static func table<Table>(_ loaded: Result<Table, StorageError>, of library: String) -> Table {
        switch loaded {
        case .success(let table): return table
        case .failure(let error): preconditionFailure("\(library) called after it failed to load: \(error)")
        }
    }
}

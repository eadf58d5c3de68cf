#if canImport(Glibc)
    import Glibc
#endif

/// The name in a directory entry, read up to its NUL in place. readdir's
/// entries are only `d_reclen` bytes long: copying the whole 256-byte
/// `d_name` array could read past the end of libc's buffer, and did crash a
/// refresh when the last entry ended at a page boundary.
package func directoryEntryName(_ entry: UnsafePointer<dirent>) -> String {
    let offset = MemoryLayout<dirent>.offset(of: \.d_name)!
    return String(cString: (UnsafeRawPointer(entry) + offset).assumingMemoryBound(to: CChar.self))
}

import Foundation

/// A file, a pipe or a terminal that a volume stream is read from or written
/// to, in order (so standard input and output work as well as files), on the
/// data threads.
package struct StreamFile: Sendable {
    package let fd: Int32
    /// What messages call it: the path, or "standard input/output".
    package let name: String
    private let owned: Bool

    /// The file at `path`, opened to read.
    package static func reading(_ path: String) throws(StorageError) -> StreamFile {
        StreamFile(fd: try SystemCalls.open(path, O_RDONLY, "cannot open '\(path)'"), name: path, owned: true)
    }

    /// A new file at `path` (an existing one is refused: nothing is overwritten).
    package static func creating(_ path: String) throws(StorageError) -> StreamFile {
        StreamFile(
            fd: try SystemCalls.open(path, O_WRONLY | O_CREAT | O_EXCL, mode: 0o600, "cannot create '\(path)'"),
            name: path, owned: true)
    }

    /// A descriptor the caller keeps (standard input or output).
    package init(borrowing fd: Int32, name: String) { self.init(fd: fd, name: name, owned: false) }

    private init(fd: Int32, name: String, owned: Bool) {
        self.fd = fd
        self.name = name
        self.owned = owned
    }

    package func close() { if owned { SystemCalls.close(fd) } }

    /// Writes every piece of `stream` in order, then waits until a file holds them.
    package func write<S: AsyncSequence>(_ stream: S) async throws where S.Element == [UInt8] {
        let (fd, name) = (fd, name)
        for try await piece in stream {
            try await BlockingIO.run { () throws(StorageError) in
                try SystemCalls.writeAll(fd, piece, path: name, "cannot write to '\(name)'")
            }
        }
        // A pipe or a terminal cannot be synced (EINVAL); a file must be.
        try await BlockingIO.run { () throws(StorageError) in
            guard let st = try? SystemCalls.fstat(fd, path: name, ""), st.st_mode & S_IFMT == S_IFREG else { return }
            try SystemCalls.fsync(fd, path: name, "cannot sync '\(name)'")
        }
    }

    /// The file's bytes in pieces of up to 1 MiB, as they are read.
    package var pieces: Pieces { Pieces(file: self) }

    package struct Pieces: AsyncSequence, Sendable {
        package typealias Element = [UInt8]
        let file: StreamFile

        package struct AsyncIterator: AsyncIteratorProtocol {
            let file: StreamFile
            var ended = false

            package mutating func next() async throws -> [UInt8]? {
                guard !ended else { return nil }
                let (fd, name) = (file.fd, file.name)
                let piece = try await BlockingIO.run { () throws(StorageError) in
                    try SystemCalls.readSome(fd, count: 1 << 20, path: name, "cannot read '\(name)'")
                }
                if piece.isEmpty { ended = true }
                return piece.isEmpty ? nil : piece
            }
        }

        package func makeAsyncIterator() -> AsyncIterator { AsyncIterator(file: file) }
    }
}

#if Gluster
    import CGlusterFS
    import Foundation
    import VirtStorage

    /// A gluster volume file's bytes for the library's streams, through
    /// libgfapi. Each call is a watched job of its own (see `GlusterJob`):
    /// a brick that stops answering fails the call, not the process.
    final class GlusterVolumeData: VolumeData, @unchecked Sendable {
        private let backend: GlusterBackend
        private let pool: PoolDefinition
        private let file: String
        private let flags: Int32
        let name: String
        let size: UInt64

        init(_ volume: VolumeDefinition, in pool: PoolDefinition, writable: Bool, backend: GlusterBackend)
            async throws(StorageError)
        {
            self.backend = backend
            self.pool = pool
            file = volume.name
            flags = writable ? O_RDWR : O_RDONLY
            let (size, uri) = try await backend.withFile(volume.name, in: pool, "open", flags: flags) {
                (file) throws(StorageError) in (try file.size, file.connection.uri(file.name))
            }
            self.size = size
            name = uri
        }

        private func withFile<T: Sendable>(
            _ what: String, _ body: @escaping @Sendable (GlusterFile) throws(StorageError) -> T
        ) async throws(StorageError) -> T {
            try await backend.withFile(file, in: pool, what, flags: flags, body)
        }

        func read(at offset: UInt64, count: Int) async throws(StorageError) -> [UInt8] {
            try await withFile("read") { (file) throws(StorageError) -> [UInt8] in
                try [UInt8](unsafeUninitializedCapacity: count) { (raw, done) throws(StorageError) in
                    done = try file.read(into: UnsafeMutableRawBufferPointer(raw), at: offset)
                }
            }
        }

        func write(_ bytes: [UInt8], at offset: UInt64) async throws(StorageError) {
            try await withFile("write") { (file) throws(StorageError) in try file.write(bytes, at: offset) }
        }

        /// A discard where the brick punches holes, written zeros elsewhere.
        func zero(at offset: UInt64, length: UInt64) async throws(StorageError) {
            try await withFile("zero") { (file) throws(StorageError) in
                if (try? file.discard(from: offset, length: length)) != nil { return }
                let zeros = [UInt8](repeating: 0, count: GlusterVolumes.chunk)
                var done: UInt64 = 0
                while done < length {
                    let n = Int(min(UInt64(zeros.count), length - done))
                    try file.write(zeros, count: n, at: offset + done)
                    done += UInt64(n)
                }
            }
        }

        func flush() async throws(StorageError) {
            try await withFile("sync") { (file) throws(StorageError) in try file.sync() }
        }
    }

    extension GlusterBackend {
        public func openData(_ volume: VolumeDefinition, in pool: PoolDefinition, writable: Bool)
            async throws(StorageError) -> any VolumeData
        {
            try await GlusterVolumeData(volume, in: pool, writable: writable, backend: self)
        }
    }
#endif

#if Ceph
    import CRados
    import Foundation
    import Synchronization
    import VirtStorage

    /// An rbd image's bytes for the library's streams, through librbd on the
    /// backend's threads: the image stays open (and its pool's connection
    /// alive) while the stream is.
    final class RBDVolumeData: ChangeTrackingVolumeData, @unchecked Sendable {
        private let image: RBDImage
        private let connection: RadosConnection
        let name: String
        let size: UInt64
        /// Where the image holds data, listed once (librbd's diff iteration
        /// from nothing) when a reader first asks where its holes are.
        private let dataExtents = Mutex<[Range<UInt64>]?>(nil)

        init(image: RBDImage, connection: RadosConnection) throws(StorageError) {
            self.image = image
            self.connection = connection
            name = image.spec
            size = try image.info().size
        }

        func read(at offset: UInt64, count: Int) async throws(StorageError) -> [UInt8] {
            let (image, want) = (image, Int(min(UInt64(count), size - min(offset, size))))
            return try await RBDThreads.run { () throws(StorageError) -> [UInt8] in
                try [UInt8](unsafeUninitializedCapacity: want) { (raw, done) throws(StorageError) in
                    try image.read(at: offset, into: UnsafeMutableRawBufferPointer(raw))
                    done = want
                }
            }
        }

        func write(_ bytes: [UInt8], at offset: UInt64) async throws(StorageError) {
            let image = image
            try await RBDThreads.run { () throws(StorageError) in
                let result = bytes.withUnsafeBytes { raw in
                    Result { () throws(StorageError) in try image.write(at: offset, raw) }
                }
                try result.get()
            }
        }

        /// Zeroes deallocate whole objects where they can.
        func zero(at offset: UInt64, length: UInt64) async throws(StorageError) {
            let image = image
            try await RBDThreads.run { () throws(StorageError) in try image.writeZeroes(at: offset, length: length) }
        }

        func nextData(from offset: UInt64, before end: UInt64) async throws(StorageError) -> Range<UInt64>? {
            let listed = dataExtents.withLock { $0 }
            let extents: [Range<UInt64>]
            if let listed {
                extents = listed
            } else {
                let (image, size) = (image, size)
                extents = try await RBDThreads.run { () throws(StorageError) in
                    try image.extents(since: nil, size: size).filter(\.holdsData).map(\.range)
                }
                dataExtents.withLock { $0 = extents }
            }
            // The first run that ends after `offset` (runs are in order).
            var low = 0
            var high = extents.count
            while low < high {
                let mid = (low + high) / 2
                if extents[mid].upperBound <= offset { low = mid + 1 } else { high = mid }
            }
            guard low < extents.count else { return nil }
            let run = max(extents[low].lowerBound, offset)..<min(extents[low].upperBound, end)
            return run.isEmpty ? nil : run
        }

        func changes(since base: String) async throws(StorageError) -> [VolumeExtent] {
            let (image, size) = (image, size)
            return try await RBDThreads.run { () throws(StorageError) in try image.extents(since: base, size: size) }
        }

        /// librbd takes writes of separate ranges in parallel (rbd import keeps ten in flight).
        var concurrentWrites: Int { 4 }

        func flush() async throws(StorageError) {
            let image = image
            try await RBDThreads.run { () throws(StorageError) in
                let rc = ceph.rbd_flush(image.handle)
                guard rc >= 0 else { throw image.fail(rc, "failed to flush") }
            }
        }
    }

    extension RBDBackend {
        public func openData(_ volume: VolumeDefinition, in pool: PoolDefinition, writable: Bool)
            async throws(StorageError) -> any VolumeData
        {
            try await withConnection(pool) { (connection) throws(StorageError) -> RBDVolumeData in
                let image = try RBDImage.open(
                    volume.name, in: connection.ioctx, pool: connection.poolName, readOnly: !writable,
                    of: connection)
                return try RBDVolumeData(image: image, connection: connection)
            }
        }

        /// The image as it was at the snapshot, read-only.
        public func openData(_ volume: VolumeDefinition, in pool: PoolDefinition, atSnapshot name: String)
            async throws(StorageError) -> any VolumeData
        {
            try await withConnection(pool) { (connection) throws(StorageError) -> RBDVolumeData in
                let image = try RBDImage.open(
                    volume.name, in: connection.ioctx, pool: connection.poolName, snapshot: name,
                    of: connection)
                return try RBDVolumeData(image: image, connection: connection)
            }
        }
    }
#endif

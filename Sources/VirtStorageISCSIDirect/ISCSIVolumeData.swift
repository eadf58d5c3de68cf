#if ISCSI
    import Foundation
    import VirtStorage

    /// A LUN's bytes through one libiscsi session (logged in when opened, out
    /// when the last reference goes): whole blocks are read and written with
    /// READ(16) and WRITE(16), and a range that begins or ends inside a block
    /// has that block read first and merged. Calls run on the iscsi threads,
    /// one at a time (a session is not shared between threads at once).
    final class ISCSIVolumeData: VolumeData, @unchecked Sendable {
        let name: String
        let size: UInt64
        private let session: ISCSISession
        private let lun: Int32
        private let blockSize: UInt64
        private let lock = NSLock()

        private init(name: String, session: ISCSISession, lun: Int32, blockSize: UInt32, blocks: UInt64) {
            self.name = name
            self.session = session
            self.lun = lun
            self.blockSize = UInt64(blockSize)
            size = blocks * UInt64(blockSize)
        }

        static func open(_ endpoint: ISCSIEndpoint, lun: Int32, name: String) async throws(StorageError)
            -> ISCSIVolumeData
        {
            try await ISCSIThread.run { () throws(StorageError) in
                let session = try ISCSISession(endpoint)
                do throws(StorageError) {
                    try session.testUnitReady(lun)
                    let (blockSize, blocks) = try session.capacity(lun)
                    return ISCSIVolumeData(name: name, session: session, lun: lun, blockSize: blockSize, blocks: blocks)
                } catch {
                    session.close()
                    throw error
                }
            }
        }

        /// The logout is a network round trip: on the iscsi threads, not
        /// wherever the last reference went.
        deinit {
            let session = UncheckedSession(session)
            Task { try? await ISCSIThread.run { session.value.close() } }
        }

        /// The whole blocks that hold [offset, offset + count), read.
        private func blocks(covering offset: UInt64, count: Int) throws(StorageError) -> (UInt64, [UInt8]) {
            let first = offset / blockSize
            let end = (offset + UInt64(count) + blockSize - 1) / blockSize
            var buffer = [UInt8](repeating: 0, count: Int((end - first) * blockSize))
            let result = buffer.withUnsafeMutableBytes { raw in
                Result { () throws(StorageError) in
                    try session.read(lun, lba: first, into: raw, blockSize: UInt32(blockSize))
                }
            }
            try result.get()
            return (first, buffer)
        }

        private func locked<T: Sendable>(_ body: @escaping @Sendable () throws(StorageError) -> T)
            async throws(StorageError) -> T
        {
            try await ISCSIThread.run { () throws(StorageError) in
                self.lock.lock()
                defer { self.lock.unlock() }
                return try body()
            }
        }

        func read(at offset: UInt64, count: Int) async throws(StorageError) -> [UInt8] {
            let count = Int(min(UInt64(count), size - min(offset, size)))
            guard count > 0 else { return [] }
            return try await locked { () throws(StorageError) in
                let (first, buffer) = try self.blocks(covering: offset, count: count)
                let start = Int(offset - first * self.blockSize)
                return Array(buffer[start..<start + count])
            }
        }

        func write(_ bytes: [UInt8], at offset: UInt64) async throws(StorageError) {
            guard !bytes.isEmpty else { return }
            guard offset + UInt64(bytes.count) <= size else {
                throw StorageError(
                    .invalidArgument, "cannot write past the end of '\(name)' (\(size) bytes)", value: name)
            }
            try await locked { () throws(StorageError) in
                let first: UInt64
                var buffer: [UInt8]
                if offset % self.blockSize == 0 && UInt64(bytes.count) % self.blockSize == 0 {
                    (first, buffer) = (offset / self.blockSize, bytes)
                } else {
                    (first, buffer) = try self.blocks(covering: offset, count: bytes.count)
                    let start = Int(offset - first * self.blockSize)
                    buffer.replaceSubrange(start..<start + bytes.count, with: bytes)
                }
                let result = buffer.withUnsafeMutableBytes { raw in
                    Result { () throws(StorageError) in
                        try self.session.write(self.lun, lba: first, from: raw, blockSize: UInt32(self.blockSize))
                    }
                }
                try result.get()
            }
        }

        /// A LUN keeps what it is given: zeros are written.
        func zero(at offset: UInt64, length: UInt64) async throws(StorageError) {
            let chunk: UInt64 = 1 << 20
            var done: UInt64 = 0
            while done < length {
                let n = Int(min(chunk, length - done))
                try await write([UInt8](repeating: 0, count: n), at: offset + done)
                done += UInt64(n)
            }
        }

        /// Every WRITE(16) has returned once the target accepted it.
        func flush() async throws(StorageError) {}
    }

    /// A session handed to the thread that closes it; nothing else uses it then.
    private struct UncheckedSession: @unchecked Sendable {
        let value: ISCSISession
        init(_ value: ISCSISession) { self.value = value }
    }
#endif

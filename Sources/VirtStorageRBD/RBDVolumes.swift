#if Ceph
    import CRados
    import Foundation
    import VirtStorage

    /// The volume jobs of an rbd pool, as blocking calls on a connection.
    enum RBDVolumes {
        /// A new format 2 image, thin: nothing is written. Features are
        /// librbd's defaults, or the pool's `rbd_default_features` option.
        static func create(_ name: String, size: UInt64, in connection: RadosConnection) throws(StorageError) {
            var options: rbd_image_options_t?
            ceph.rbd_image_options_create(&options)
            defer { ceph.rbd_image_options_destroy(options) }
            _ = ceph.rbd_image_options_set_uint64(options, Int32(RBD_IMAGE_OPTION_FORMAT), 2)
            let rc = ceph.rbd_create4(connection.ioctx, name, size, options)
            guard rc >= 0 else {
                if rc == -EEXIST {
                    throw StorageError(.volumeExists, "storage volume name '\(name)' already in use.", value: name)
                }
                throw RBDError.system(
                    rc, "failed to create volume '\(connection.poolName)/\(name)'", timeout: connection.timeout,
                    value: name)
            }
        }

        /// Removes an image; with `withSnapshots` its snapshots first
        /// (unprotecting them). A snapshot that clones still depend on stops
        /// the deletion: nothing is flattened or lost behind the user's back.
        static func remove(_ name: String, in connection: RadosConnection, withSnapshots: Bool) throws(StorageError) {
            let spec = "\(connection.poolName)/\(name)"
            if withSnapshots {
                do throws(StorageError) {
                    let image = try RBDImage.open(
                        name, in: connection.ioctx, pool: connection.poolName, of: connection)
                    for snapshot in try image.snapshots() {
                        if try image.isProtected(snapshot) {
                            let rc = ceph.rbd_snap_unprotect(image.handle, snapshot)
                            if rc == -EBUSY {
                                throw StorageError(
                                    .operationInvalid,
                                    "cannot delete volume '\(spec)': clones depend on its snapshot '\(snapshot)' (flatten or delete them first)",
                                    value: name, errno: EBUSY)
                            }
                            guard rc >= 0 else { throw image.fail(rc, "failed to unprotect snapshot '\(snapshot)' of") }
                        }
                        let rc = ceph.rbd_snap_remove(image.handle, snapshot)
                        guard rc >= 0 else { throw image.fail(rc, "failed to remove snapshot '\(snapshot)' of") }
                    }
                } catch  where error.code == .noSuchVolume {
                    return
                }
            }
            let rc = ceph.rbd_remove(connection.ioctx, name)
            switch -rc {
            case 0, ENOENT:
                return
            case ENOTEMPTY:
                throw StorageError(
                    .operationInvalid,
                    "cannot delete volume '\(spec)': it has snapshots (delete it with its snapshots to remove them too)",
                    value: name, errno: ENOTEMPTY)
            case EBUSY:
                throw StorageError(
                    .operationInvalid, "cannot delete volume '\(spec)': it is in use by another client", value: name,
                    errno: EBUSY)
            default:
                throw RBDError.system(
                    rc, "failed to remove volume '\(spec)'", timeout: connection.timeout, value: name)
            }
        }

        // MARK: clone

        /// Where a volume's data is: an image of some RADOS pool, or a local file.
        enum Origin {
            case image(pool: String, name: String)
            case file(String)
        }

        static func origin(of source: VolumeDefinition) throws(StorageError) -> Origin {
            if source.type == .network, let key = source.key, key.hasSuffix("/" + source.name) {
                return .image(pool: String(key.dropLast(source.name.count + 1)), name: source.name)
            }
            if source.type == .file || source.type == .block, let path = source.target.path,
                source.target.format == nil || source.target.format == "raw"
            {
                return .file(path)
            }
            throw StorageError(
                .operationUnsupported,
                "cannot create an rbd volume from volume '\(source.name)' (type \(source.type.rawValue), format \(source.target.format ?? "none"))",
                value: source.name)
        }

        /// A new image from another: a copy-on-write clone of a snapshot (as
        /// libvirt: a snapshot without changes since it was taken is reused,
        /// else `libvirt-N` is made, protected and cloned) when the source is
        /// in the same RADOS pool and has the layering feature; otherwise a
        /// full copy. A local raw file is copied in, sparsely.
        static func clone(
            _ source: VolumeDefinition, to volume: VolumeDefinition, in pool: PoolDefinition, backend: RBDBackend,
            progress: ProgressHandler?
        ) async throws(StorageError) {
            let origin = try origin(of: source)
            if case .file(let path) = origin {
                // A local file goes in as any upload does, through the image's data path.
                try await backend.withConnection(pool) { (connection) throws(StorageError) in
                    try create(volume.name, size: volume.capacity, in: connection)
                }
                do throws(StorageError) {
                    try await VolumeTransfer.upload(
                        from: path, into: try await backend.openData(volume, in: pool, writable: true),
                        volume: volume.name, offset: 0, length: nil, sparse: true, progress: progress)
                } catch {
                    _ = try? await backend.withConnection(pool) { (connection) throws(StorageError) in
                        ceph.rbd_remove(connection.ioctx, volume.name)
                    }
                    throw error
                }
                return
            }
            try await backend.withConnection(pool) { (connection) throws(StorageError) in
                switch origin {
                case .file:
                    break
                case .image(let sourcePool, let name):
                    if sourcePool == connection.poolName {
                        try cloneOrCopy(name, from: connection.ioctx, to: volume, in: connection, progress: progress)
                    } else {
                        let io = try connection.otherPool(sourcePool)
                        defer { ceph.rados_ioctx_destroy(io) }
                        try copy(name, from: io, sourcePool: sourcePool, to: volume, in: connection, progress: progress)
                    }
                }
            }
        }

        private static func cloneOrCopy(
            _ name: String, from io: rados_ioctx_t, to volume: VolumeDefinition, in connection: RadosConnection,
            progress: ProgressHandler?
        ) throws(StorageError) {
            let image = try RBDImage.open(name, in: io, pool: connection.poolName, of: connection)
            var old: UInt8 = 0
            _ = ceph.rbd_get_old_format(image.handle, &old)
            let features = try image.features()
            guard old == 0, features & UInt64(RBD_FEATURE_LAYERING) != 0 else {
                try copy(image, to: volume, in: connection, progress: progress)
                return
            }
            let info = try image.info()
            var snapshot: String?
            for existing in try image.snapshots() where !(try image.changed(since: existing, size: info.size)) {
                snapshot = existing
                break
            }
            if snapshot == nil {
                for _ in 0..<16 {
                    let candidate = "libvirt-\(Int.random(in: 0..<65534))"
                    let rc = ceph.rbd_snap_create(image.handle, candidate)
                    if rc == -EEXIST { continue }
                    guard rc >= 0 else { throw image.fail(rc, "failed to create snapshot '\(candidate)' of") }
                    snapshot = candidate
                    break
                }
            }
            guard let snapshot else { throw image.fail(-EEXIST, "failed to create a snapshot of") }
            try cloneSnapshot(snapshot, of: image, named: name, from: io, to: volume.name, in: connection)
            if volume.capacity > info.size { try grow(volume.name, to: volume.capacity, in: connection) }
            progress?(info.size, info.size)
        }

        /// A layered clone `newName` of the image's snapshot (protected
        /// first, as librbd requires): it shares the snapshot's objects until
        /// they are written.
        static func cloneSnapshot(
            _ snapshot: String, of image: RBDImage, named name: String, from io: rados_ioctx_t, to newName: String,
            in connection: RadosConnection
        ) throws(StorageError) {
            if !(try image.isProtected(snapshot)) {
                let rc = ceph.rbd_snap_protect(image.handle, snapshot)
                guard rc >= 0 else { throw image.fail(rc, "failed to protect snapshot '\(snapshot)' of") }
            }
            let stripe = try image.stripe()
            var order = Int32(try image.info().order)
            let rc = ceph.rbd_clone2(
                io, name, snapshot, connection.ioctx, newName, try image.features(), &order, stripe.unit,
                Int32(clamping: stripe.count))
            guard rc >= 0 else {
                if rc == -EEXIST {
                    throw StorageError(.volumeExists, "storage volume name '\(newName)' already in use.", value: newName)
                }
                throw RBDError.system(rc, "failed to clone RBD volume \(name) to \(newName)", timeout: connection.timeout)
            }
        }

        private static func copy(
            _ name: String, from io: rados_ioctx_t, sourcePool: String, to volume: VolumeDefinition,
            in connection: RadosConnection, progress: ProgressHandler?
        ) throws(StorageError) {
            let image = try RBDImage.open(name, in: io, pool: sourcePool, readOnly: true, of: connection)
            try copy(image, to: volume, in: connection, progress: progress)
        }

        private final class ProgressBox {
            let handler: ProgressHandler
            init(_ handler: @escaping ProgressHandler) { self.handler = handler }
        }

        /// A full copy (librbd copies only the objects that exist).
        private static func copy(
            _ image: RBDImage, to volume: VolumeDefinition, in connection: RadosConnection, progress: ProgressHandler?
        ) throws(StorageError) {
            var options: rbd_image_options_t?
            ceph.rbd_image_options_create(&options)
            defer { ceph.rbd_image_options_destroy(options) }
            _ = ceph.rbd_image_options_set_uint64(options, Int32(RBD_IMAGE_OPTION_FORMAT), 2)
            let box = Unmanaged.passRetained(ProgressBox(progress ?? { _, _ in }))
            defer { box.release() }
            let rc = ceph.rbd_copy_with_progress3(
                image.handle, connection.ioctx, volume.name, options,
                { done, total, context in
                    Unmanaged<ProgressBox>.fromOpaque(context!).takeUnretainedValue().handler(done, total)
                    return 0
                }, box.toOpaque())
            guard rc >= 0 else {
                if rc == -EEXIST {
                    throw StorageError(
                        .volumeExists, "storage volume name '\(volume.name)' already in use.", value: volume.name)
                }
                throw RBDError.system(
                    rc, "failed to copy RBD image '\(image.spec)' to '\(connection.poolName)/\(volume.name)'",
                    timeout: connection.timeout)
            }
            let size = try image.info().size
            if volume.capacity > size { try grow(volume.name, to: volume.capacity, in: connection) }
        }

        private static func grow(_ name: String, to size: UInt64, in connection: RadosConnection) throws(StorageError) {
            let image = try RBDImage.open(
                name, in: connection.ioctx, pool: connection.poolName, of: connection)
            let rc = ceph.rbd_resize(image.handle, size)
            guard rc >= 0 else { throw image.fail(rc, "failed to resize the") }
        }

        // MARK: data

        /// Writes one wipe pass over [from, from+length) in `chunk`-sized writes.
        static func fill(
            _ image: RBDImage, from start: UInt64, length: UInt64, pass: WipeAlgorithm.Pass, chunk: Int,
            progress: ProgressHandler?, done: UInt64 = 0, total: UInt64? = nil
        ) throws(StorageError) {
            let total = total ?? length
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunk, alignment: 16)
            defer { buffer.deallocate() }
            let check = UnsafeMutableRawBufferPointer.allocate(byteCount: chunk, alignment: 16)
            defer { check.deallocate() }
            var pattern: [UInt8] = []
            switch pass {
            case .pattern(let bytes), .verify(let bytes): pattern = bytes.isEmpty ? [0] : bytes
            case .random, .discard: break
            }
            if !pattern.isEmpty {
                for i in 0..<chunk { buffer[i] = pattern[i % pattern.count] }
            }
            var generator = SystemRandomNumberGenerator()
            var offset: UInt64 = 0
            while offset < length {
                let n = Int(min(UInt64(chunk), length - offset))
                let at = start + offset
                switch pass {
                case .discard:
                    try image.discard(at: at, length: UInt64(n))
                case .random:
                    for i in stride(from: 0, to: n, by: 8) {
                        let word = generator.next()
                        withUnsafeBytes(of: word) { bytes in
                            for j in 0..<min(8, n - i) { buffer[i + j] = bytes[j] }
                        }
                    }
                    try image.write(at: at, UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
                case .pattern:
                    try image.write(at: at, UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
                case .verify:
                    try image.read(at: at, into: UnsafeMutableRawBufferPointer(rebasing: check[0..<n]))
                    if memcmp(check.baseAddress!, buffer.baseAddress!, n) != 0 {
                        throw StorageError(
                            .operationFailed, "verification failed at offset \(at) of RBD image '\(image.spec)'")
                    }
                }
                offset += UInt64(n)
                progress?(done + offset, total)
            }
        }

        static let ioChunk = 4 << 20

    }
#endif

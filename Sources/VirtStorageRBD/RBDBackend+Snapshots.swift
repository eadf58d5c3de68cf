#if Ceph
    import CRados
    import Foundation
    import VirtStorage

    /// Snapshots of rbd images through librbd: create, list (with creation
    /// time), rollback, remove, and copy-on-write clones of a protected
    /// snapshot. A description is kept in the image's metadata.
    extension RBDBackend: SnapshottingBackend {
        public func createSnapshot(
            _ name: String, description: String?, of volume: VolumeDefinition, in pool: PoolDefinition
        ) async throws(StorageError) {
            try await withImage(volume.name, in: pool) { (image, _) throws(StorageError) in
                let rc = ceph.rbd_snap_create(image.handle, name)
                guard rc >= 0 else { throw image.fail(rc, "failed to create snapshot '\(name)' of") }
                if let description {
                    let set = ceph.rbd_metadata_set(image.handle, RBDSnapshots.descriptionKey(name), description)
                    guard set >= 0 else {
                        _ = ceph.rbd_snap_remove(image.handle, name)
                        throw image.fail(set, "failed to keep the description of snapshot '\(name)' of")
                    }
                }
            }
        }

        public func snapshots(of volume: VolumeDefinition, in pool: PoolDefinition) async throws(StorageError)
            -> [VolumeSnapshot]
        {
            try await withImage(volume.name, in: pool, readOnly: true) { (image, _) throws(StorageError) in
                try image.snapshotList().map { id, name in
                    var time = timespec()
                    let rc = ceph.rbd_snap_get_timestamp(image.handle, id, &time)
                    return VolumeSnapshot(
                        name: name, description: image.metadata(RBDSnapshots.descriptionKey(name)),
                        created: rc >= 0 ? Date(timeIntervalSince1970: Double(time.tv_sec) + Double(time.tv_nsec) / 1e9) : nil)
                }
            }
        }

        public func revertSnapshot(_ name: String, of volume: VolumeDefinition, in pool: PoolDefinition)
            async throws(StorageError)
        {
            try await withImage(volume.name, in: pool) { (image, _) throws(StorageError) in
                let rc = ceph.rbd_snap_rollback(image.handle, name)
                guard rc >= 0 else { throw image.fail(rc, "failed to roll back to snapshot '\(name)'") }
            }
        }

        /// A protected snapshot is unprotected first; one that clones depend
        /// on stays, and the error says so.
        public func deleteSnapshot(_ name: String, of volume: VolumeDefinition, in pool: PoolDefinition)
            async throws(StorageError)
        {
            try await withImage(volume.name, in: pool) { (image, _) throws(StorageError) in
                if try image.isProtected(name) {
                    let rc = ceph.rbd_snap_unprotect(image.handle, name)
                    if rc == -EBUSY {
                        throw StorageError(
                            .operationInvalid, "snapshot '\(name)' of volume '\(volume.name)' has clones that depend on it",
                            value: name, errno: EBUSY, hint: "delete the clones first")
                    }
                    guard rc >= 0 else { throw image.fail(rc, "failed to unprotect snapshot '\(name)' of") }
                }
                let rc = ceph.rbd_snap_remove(image.handle, name)
                guard rc >= 0 else { throw image.fail(rc, "failed to remove snapshot '\(name)' of") }
                _ = ceph.rbd_metadata_remove(image.handle, RBDSnapshots.descriptionKey(name))
            }
        }

        /// A layered clone of the snapshot: copy-on-write.
        public func buildVolume(
            _ clone: VolumeDefinition, fromSnapshot name: String, of volume: VolumeDefinition, in pool: PoolDefinition,
            progress: ProgressHandler?
        ) async throws(StorageError) {
            try await withImage(volume.name, in: pool) { (image, connection) throws(StorageError) in
                try RBDVolumes.cloneSnapshot(
                    name, of: image, named: volume.name, from: connection.ioctx, to: clone.name, in: connection)
                let size = try image.info().size
                progress?(size, size)
            }
        }
    }

    enum RBDSnapshots {
        /// The image metadata key that holds a snapshot's description.
        static func descriptionKey(_ snapshot: String) -> String { "virtstorage.snapshot.\(snapshot).description" }
    }

    extension RBDImage {
        /// An image metadata value, or nil when the key is not set.
        func metadata(_ key: String) -> String? {
            var length = 256
            while true {
                var buffer = [CChar](repeating: 0, count: length)
                var size = length
                let rc = ceph.rbd_metadata_get(handle, key, &buffer, &size)
                if rc == -ERANGE, size > length {
                    length = size
                    continue
                }
                guard rc >= 0 else { return nil }
                return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            }
        }
    }
#endif

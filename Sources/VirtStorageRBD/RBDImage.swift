#if Ceph
    import CRados
    import Foundation
    import VirtStorage

    /// An open RBD image; closed when released. All calls block.
    ///
    /// It keeps its cluster's connection: closing an image submits requests
    /// through the cluster, so the connection must not be shut down first
    /// (librados aborts: `ceph_assert(initialized)` in the Objecter). The
    /// last reference to an image can be dropped on another thread after
    /// its volume's stream let go of the connection; the image's own
    /// reference makes rados_shutdown wait for rbd_close.
    final class RBDImage: @unchecked Sendable {
        let handle: rbd_image_t
        /// `pool/image`, for messages.
        let spec: String
        let connection: RadosConnection
        var timeout: Int { connection.timeout }

        private init(handle: rbd_image_t, spec: String, connection: RadosConnection) {
            self.handle = handle
            self.spec = spec
            self.connection = connection
        }

        deinit { _ = ceph.rbd_close(handle) }

        /// Opens the image in `io` (a pool of `connection`'s cluster); at
        /// `snapshot`, read-only, as it was then.
        static func open(
            _ name: String, in io: rados_ioctx_t, pool: String, readOnly: Bool = false, snapshot: String? = nil,
            of connection: RadosConnection
        ) throws(StorageError) -> RBDImage {
            let timeout = connection.timeout
            var image: rbd_image_t?
            let rc =
                readOnly || snapshot != nil
                ? ceph.rbd_open_read_only(io, name, &image, snapshot) : ceph.rbd_open(io, name, &image, nil)
            let spec = "\(pool)/\(name)"
            guard rc >= 0, let image else {
                if rc == -ENOENT {
                    throw StorageError(
                        .noSuchVolume,
                        "no storage vol with matching name '\(name)': RBD image '\(spec)' does not exist",
                        value: name, errno: ENOENT)
                }
                throw RBDError.system(rc, "failed to open the RBD image '\(spec)'", timeout: timeout, value: name)
            }
            return RBDImage(handle: image, spec: spec, connection: connection)
        }

        func fail(_ rc: some BinaryInteger, _ what: String) -> StorageError {
            RBDError.system(rc, "\(what) RBD image '\(spec)'", timeout: timeout, value: spec)
        }

        func info() throws(StorageError) -> rbd_image_info_t {
            var info = rbd_image_info_t()
            let rc = ceph.rbd_stat(handle, &info, MemoryLayout<rbd_image_info_t>.size)
            guard rc >= 0 else { throw fail(rc, "failed to stat the") }
            return info
        }

        func features() throws(StorageError) -> UInt64 {
            var features: UInt64 = 0
            let rc = ceph.rbd_get_features(handle, &features)
            guard rc >= 0 else { throw fail(rc, "failed to get the features of") }
            return features
        }

        func flags() throws(StorageError) -> UInt64 {
            var flags: UInt64 = 0
            let rc = ceph.rbd_get_flags(handle, &flags)
            guard rc >= 0 else { throw fail(rc, "failed to get the flags of") }
            return flags
        }

        func stripe() throws(StorageError) -> (unit: UInt64, count: UInt64) {
            var unit: UInt64 = 0
            var count: UInt64 = 0
            var rc = ceph.rbd_get_stripe_unit(handle, &unit)
            if rc >= 0 { rc = ceph.rbd_get_stripe_count(handle, &count) }
            guard rc >= 0 else { throw fail(rc, "failed to get the striping of") }
            return (unit, max(count, 1))
        }

        /// Bytes in objects that exist (whole objects, the parent's included),
        /// as `rbd du` and libvirt count them; `since` a snapshot, or from the start.
        func usedBytes(size: UInt64, since snapshot: String? = nil) throws(StorageError) -> UInt64 {
            var used: UInt64 = 0
            let rc = ceph.rbd_diff_iterate2(
                handle, snapshot, 0, size, 1, 1,
                { _, length, exists, context in
                    if exists != 0 { context!.assumingMemoryBound(to: UInt64.self).pointee += UInt64(length) }
                    return 0
                }, &used)
            guard rc >= 0 else { throw fail(rc, "failed to iterate") }
            return used
        }

        /// The runs of the image (as opened: now, or at its snapshot) that
        /// differ from `snapshot`, or from nothing (then the runs that hold
        /// data), in order; a run that does not hold data reads as zeros.
        func extents(since snapshot: String?, size: UInt64) throws(StorageError) -> [VolumeExtent] {
            var extents: [VolumeExtent] = []
            // A pointer to the array itself (`&extents` would point at its elements).
            let rc = withUnsafeMutablePointer(to: &extents) { list in
                ceph.rbd_diff_iterate2(
                    handle, snapshot, 0, size, 1, 0,
                    { offset, length, exists, context in
                        let list = context!.assumingMemoryBound(to: [VolumeExtent].self)
                        list.pointee.append(VolumeExtent(offset..<offset + UInt64(length), holdsData: exists != 0))
                        return 0
                    }, list)
            }
            guard rc >= 0 else {
                throw fail(rc, snapshot.map { "failed to list the changes since snapshot '\($0)' of" } ?? "failed to list the data of")
            }
            // librbd reports runs per object: neighbours of one kind are one run.
            var merged: [VolumeExtent] = []
            for extent in extents.sorted(by: { $0.range.lowerBound < $1.range.lowerBound }) {
                if let last = merged.last, last.holdsData == extent.holdsData, last.range.upperBound == extent.range.lowerBound {
                    merged[merged.count - 1].range = last.range.lowerBound..<extent.range.upperBound
                } else {
                    merged.append(extent)
                }
            }
            return merged
        }

        /// Whether anything changed since `snapshot`.
        func changed(since snapshot: String, size: UInt64) throws(StorageError) -> Bool {
            var changed = false
            let rc = ceph.rbd_diff_iterate2(
                handle, snapshot, 0, size, 0, 1,
                { _, _, _, context in
                    context!.assumingMemoryBound(to: Bool.self).pointee = true
                    return -ECANCELED
                }, &changed)
            guard rc >= 0 || changed else { throw fail(rc, "failed to iterate snapshot '\(snapshot)' of") }
            return changed
        }

        /// The image's snapshot names, oldest first.
        func snapshots() throws(StorageError) -> [String] { try snapshotList().map(\.name) }

        /// The image's snapshots, oldest first, with their ids.
        func snapshotList() throws(StorageError) -> [(id: UInt64, name: String)] {
            var capacity: Int32 = 16
            while true {
                let snaps = UnsafeMutablePointer<rbd_snap_info_t>.allocate(capacity: Int(capacity))
                defer { snaps.deallocate() }
                let rc = ceph.rbd_snap_list(handle, snaps, &capacity)
                if rc == -ERANGE { continue }
                guard rc >= 0 else { throw fail(rc, "failed to list the snapshots of") }
                let list = (0..<Int(rc)).map { (id: snaps[$0].id, name: String(cString: snaps[$0].name)) }
                ceph.rbd_snap_list_end(snaps)
                return list.sorted { $0.id < $1.id }
            }
        }

        func isProtected(_ snapshot: String) throws(StorageError) -> Bool {
            var isProtected: Int32 = 0
            let rc = ceph.rbd_snap_is_protected(handle, snapshot, &isProtected)
            guard rc >= 0 else { throw fail(rc, "failed to check whether snapshot '\(snapshot)' is protected on") }
            return isProtected != 0
        }

        func read(at offset: UInt64, into buffer: UnsafeMutableRawBufferPointer) throws(StorageError) {
            var done = 0
            while done < buffer.count {
                let n = ceph.rbd_read(
                    handle, offset + UInt64(done), buffer.count - done,
                    buffer.baseAddress!.advanced(by: done).assumingMemoryBound(to: CChar.self))
                guard n > 0 else {
                    throw n == 0
                        ? StorageError(.systemError, "short read at offset \(offset) of RBD image '\(spec)'")
                        : fail(n, "reading at offset \(offset + UInt64(done)) failed on")
                }
                done += n
            }
        }

        func write(at offset: UInt64, _ buffer: UnsafeRawBufferPointer) throws(StorageError) {
            var done = 0
            while done < buffer.count {
                let n = ceph.rbd_write(
                    handle, offset + UInt64(done), buffer.count - done,
                    buffer.baseAddress!.advanced(by: done).assumingMemoryBound(to: CChar.self))
                guard n > 0 else { throw fail(n, "writing \(buffer.count) bytes at offset \(offset) failed on") }
                done += n
            }
        }

        /// Zeroes a range, deallocating whole objects where it can.
        func writeZeroes(at offset: UInt64, length: UInt64) throws(StorageError) {
            let n = ceph.rbd_write_zeroes(handle, offset, Int(length), 0, 0)
            guard n >= 0 else { throw fail(n, "zeroing \(length) bytes at offset \(offset) failed on") }
        }

        func discard(at offset: UInt64, length: UInt64) throws(StorageError) {
            let rc = ceph.rbd_discard(handle, offset, length)
            guard rc >= 0 else { throw fail(rc, "discarding \(length) bytes at offset \(offset) failed on") }
        }
    }
#endif

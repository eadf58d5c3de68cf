#if Ceph
    import CRados
    import Foundation
    import VirtStorage

    /// Reading every image of a pool. libvirt opens the images one after the
    /// other (about 10 ms each); here each image costs one compound RADOS read
    /// of its header (size, features, flags, parent: rbd's own object-class
    /// methods), and, for fast-diff images, one read of its object map, all
    /// in flight at once over the pool's connection. Images this does not
    /// cover exactly (clones, custom striping, format 1, an object map it
    /// cannot parse) go through librbd as libvirt does, on a few threads.
    enum RBDRefresh {
        struct Image: Sendable {
            var name: String
            var id: String
        }

        /// Allocation rule of the pool (<refresh><volume allocation>).
        enum Allocation: Sendable {
            /// Used objects from fast-diff where the image has it, else whole objects up to the size.
            case used
            /// The capacity (libvirt: no fast-diff query).
            case capacity
        }

        static func volume(_ name: String, pool: String, capacity: UInt64, allocation: UInt64) -> VolumeDefinition {
            var volume = VolumeDefinition(
                name: name, capacity: capacity, target: VolumeTarget(path: "\(pool)/\(name)", format: "raw"))
            volume.key = "\(pool)/\(name)"
            volume.type = .network
            volume.allocation = allocation
            return volume
        }

        static func list(_ connection: RadosConnection) throws(StorageError) -> [Image] {
            var capacity = 64
            while true {
                let specs = UnsafeMutablePointer<rbd_image_spec_t>.allocate(capacity: capacity)
                defer { specs.deallocate() }
                var count = capacity
                let rc = ceph.rbd_list2(connection.ioctx, specs, &count)
                if rc == -ERANGE {
                    capacity = max(count, capacity * 2)
                    continue
                }
                guard rc >= 0 else {
                    throw RBDError.system(rc, "Unable to list RBD images", timeout: connection.timeout)
                }
                let images = (0..<count).map { i in
                    Image(name: String(cString: specs[i].name), id: specs[i].id.map { String(cString: $0) } ?? "")
                }
                ceph.rbd_image_spec_list_cleanup(specs, count)
                return images
            }
        }

        /// One image through librbd, as libvirt reads it; nil if it no longer exists.
        static func statWithLibrbd(_ name: String, _ connection: RadosConnection, _ allocation: Allocation)
            throws(StorageError) -> VolumeDefinition?
        {
            let image: RBDImage
            do throws(StorageError) {
                image = try RBDImage.open(
                    name, in: connection.ioctx, pool: connection.poolName, readOnly: true, of: connection)
            } catch  where error.code == .noSuchVolume {
                return nil
            }
            let info = try image.info()
            var used = info.obj_size &* info.num_objs
            if allocation == .used {
                let features = try image.features()
                let flags = try image.flags()
                if features & UInt64(RBD_FEATURE_FAST_DIFF) != 0 && flags & UInt64(RBD_FLAG_FAST_DIFF_INVALID) == 0 {
                    used = try image.usedBytes(size: info.size)
                }
            }
            return volume(name, pool: connection.poolName, capacity: info.size, allocation: used)
        }

        // MARK: the fast path

        private static let noSnap: [UInt8] = [0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]
        private static let noSnapReadOnly: [UInt8] = noSnap + [1]
        /// Header methods per image: get_size, get_features, get_flags, get_parent.
        private static let methods = 4

        private static func le64(_ p: UnsafePointer<CChar>, _ at: Int = 0) -> UInt64 {
            var v: UInt64 = 0
            memcpy(&v, p + at, 8)
            return UInt64(littleEndian: v)
        }

        /// Reads `images` in batches; returns the volumes it read and the names
        /// to read through librbd instead. Images deleted meanwhile are left out.
        static func statFast(_ images: [Image], _ connection: RadosConnection, _ allocation: Allocation)
            throws(StorageError) -> (volumes: [VolumeDefinition], fallback: [String])
        {
            var volumes: [VolumeDefinition] = []
            volumes.reserveCapacity(images.count)
            var fallback: [String] = []
            let batch = 512
            var start = 0
            while start < images.count {
                let slice = images[start..<min(start + batch, images.count)]
                try statBatch(Array(slice), connection, allocation, into: &volumes, fallback: &fallback)
                start += batch
            }
            return (volumes, fallback)
        }

        struct Header {
            var size: UInt64
            var order: UInt8
            var features: UInt64
            var flags: UInt64
        }

        private static func statBatch(
            _ images: [Image], _ connection: RadosConnection, _ allocation: Allocation,
            into volumes: inout [VolumeDefinition], fallback: inout [String]
        ) throws(StorageError) {
            let n = images.count
            let outs = UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>.allocate(capacity: n * methods)
            outs.initialize(repeating: nil, count: n * methods)
            let lengths = UnsafeMutablePointer<Int>.allocate(capacity: n * methods)
            lengths.initialize(repeating: 0, count: n * methods)
            let results = UnsafeMutablePointer<Int32>.allocate(capacity: n * methods)
            results.initialize(repeating: 0, count: n * methods)
            var ops = [rados_read_op_t?](repeating: nil, count: n)
            var completions = [rados_completion_t?](repeating: nil, count: n)
            defer {
                for i in 0..<(n * methods) where outs[i] != nil { ceph.rados_buffer_free(outs[i]) }
                outs.deallocate()
                lengths.deallocate()
                results.deallocate()
            }

            // Send every header query, then collect the answers.
            for (i, image) in images.enumerated() where !image.id.isEmpty {
                guard let op = ceph.rados_create_read_op() else { continue }
                var completion: rados_completion_t?
                guard ceph.rados_aio_create_completion2(nil, nil, &completion) >= 0 else {
                    ceph.rados_release_read_op(op)
                    continue
                }
                let base = i * methods
                noSnap.withUnsafeBytes { snap in
                    let input = snap.baseAddress!.assumingMemoryBound(to: CChar.self)
                    ceph.rados_read_op_exec(
                        op, "rbd", "get_size", input, 8, outs + base, lengths + base, results + base)
                    noSnapReadOnly.withUnsafeBytes { ro in
                        ceph.rados_read_op_exec(
                            op, "rbd", "get_features", ro.baseAddress!.assumingMemoryBound(to: CChar.self), 9,
                            outs + base + 1, lengths + base + 1, results + base + 1)
                    }
                    ceph.rados_read_op_exec(
                        op, "rbd", "get_flags", input, 8, outs + base + 2, lengths + base + 2, results + base + 2)
                    ceph.rados_read_op_exec(
                        op, "rbd", "get_parent", input, 8, outs + base + 3, lengths + base + 3, results + base + 3)
                }
                if ceph.rados_aio_read_op_operate(op, connection.ioctx, completion, "rbd_header." + image.id, 0) < 0 {
                    ceph.rados_aio_release(completion)
                    ceph.rados_release_read_op(op)
                    continue
                }
                ops[i] = op
                completions[i] = completion
            }
            var headers = [Header?](repeating: nil, count: n)
            var failure: StorageError?
            for i in 0..<n {
                guard let completion = completions[i] else {
                    fallback.append(images[i].name)
                    continue
                }
                _ = ceph.rados_aio_wait_for_complete(completion)
                let rc = ceph.rados_aio_get_return_value(completion)
                ceph.rados_aio_release(completion)
                ceph.rados_release_read_op(ops[i])
                let base = i * methods
                if rc == -ENOENT { continue }  // deleted since the listing
                if rc == -ETIMEDOUT || rc == -ENOTCONN || rc == -ESHUTDOWN {
                    failure =
                        failure
                        ?? RBDError.system(
                            rc, "failed to stat the RBD image '\(connection.poolName)/\(images[i].name)'",
                            timeout: connection.timeout)
                    continue
                }
                guard rc >= 0, lengths[base] >= 9, lengths[base + 1] >= 8, lengths[base + 2] >= 8,
                    lengths[base + 3] >= 8, let size = outs[base], let features = outs[base + 1],
                    let flags = outs[base + 2], let parent = outs[base + 3]
                else {
                    fallback.append(images[i].name)
                    continue
                }
                let header = Header(
                    size: le64(size, 1), order: UInt8(bitPattern: size[0]), features: le64(features),
                    flags: le64(flags))
                let parentPool = Int64(bitPattern: le64(parent))
                // Clones count their parent's data; custom striping changes the object count.
                if parentPool >= 0 || header.features & UInt64(RBD_FEATURE_STRIPINGV2) != 0 || header.order > 40 {
                    fallback.append(images[i].name)
                    continue
                }
                headers[i] = header
            }
            if let failure { throw failure }
            try readObjectMaps(images, headers, connection, allocation, into: &volumes, fallback: &fallback)
        }

        /// Allocation from the object maps of fast-diff images (one read each,
        /// all in flight), whole objects up to the size for the others.
        private static func readObjectMaps(
            _ images: [Image], _ headers: [Header?], _ connection: RadosConnection, _ allocation: Allocation,
            into volumes: inout [VolumeDefinition], fallback: inout [String]
        ) throws(StorageError) {
            struct MapRead {
                var index: Int
                var objects: UInt64
                var buffer: UnsafeMutableRawBufferPointer
                var completion: rados_completion_t
            }
            var reads: [MapRead] = []
            defer { for read in reads { read.buffer.deallocate() } }
            for (i, header) in headers.enumerated() {
                guard let header else { continue }
                let objectSize = UInt64(1) << header.order
                let objects = header.size / objectSize + (header.size % objectSize == 0 ? 0 : 1)
                let fastDiff =
                    header.features & UInt64(RBD_FEATURE_FAST_DIFF) != 0
                    && header.flags & UInt64(RBD_FLAG_FAST_DIFF_INVALID) == 0
                guard allocation == .used, fastDiff else {
                    let used = allocation == .capacity ? header.size : objects &* objectSize
                    volumes.append(
                        volume(images[i].name, pool: connection.poolName, capacity: header.size, allocation: used))
                    continue
                }
                // u32 header length, then the header (version, compat, u32 length, u64 count), then 2 bits per object.
                let length = 4 + 14 + Int((objects + 3) / 4)
                var completion: rados_completion_t?
                guard ceph.rados_aio_create_completion2(nil, nil, &completion) >= 0, let completion else {
                    fallback.append(images[i].name)
                    continue
                }
                let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: length, alignment: 8)
                let rc = ceph.rados_aio_read(
                    connection.ioctx, "rbd_object_map." + images[i].id, completion,
                    buffer.baseAddress!.assumingMemoryBound(to: CChar.self), length, 0)
                guard rc >= 0 else {
                    ceph.rados_aio_release(completion)
                    buffer.deallocate()
                    fallback.append(images[i].name)
                    continue
                }
                reads.append(MapRead(index: i, objects: objects, buffer: buffer, completion: completion))
            }
            var failure: StorageError?
            for read in reads {
                _ = ceph.rados_aio_wait_for_complete(read.completion)
                let rc = ceph.rados_aio_get_return_value(read.completion)
                ceph.rados_aio_release(read.completion)
                let image = images[read.index]
                if rc == -ETIMEDOUT || rc == -ENOTCONN || rc == -ESHUTDOWN {
                    failure =
                        failure
                        ?? RBDError.system(
                            rc, "failed to read the object map of RBD image '\(connection.poolName)/\(image.name)'",
                            timeout: connection.timeout)
                    continue
                }
                guard rc == read.buffer.count, let header = headers[read.index],
                    let used = usedBytes(read.buffer, objects: read.objects, header: header)
                else {
                    fallback.append(image.name)
                    continue
                }
                volumes.append(volume(image.name, pool: connection.poolName, capacity: header.size, allocation: used))
            }
            if let failure { throw failure }
        }

        /// Bytes in existing objects from an object map (rbd's BitVector<2>
        /// encoding); nil if the encoding is not the one this reads.
        static func usedBytes(_ map: UnsafeMutableRawBufferPointer, objects: UInt64, header: Header) -> UInt64? {
            let bytes = UnsafeRawBufferPointer(map)
            func u32(_ at: Int) -> UInt32 {
                UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: at, as: UInt32.self))
            }
            func u64(_ at: Int) -> UInt64 {
                UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: at, as: UInt64.self))
            }
            guard u32(0) == 14, bytes[4] == 1, bytes[5] == 1, u32(6) == 8, u64(10) == objects else { return nil }
            let objectSize = UInt64(1) << header.order
            var used: UInt64 = 0
            for object in 0..<objects {
                let byte = bytes[18 + Int(object / 4)]
                let state = (byte >> (6 - 2 * UInt8(object % 4))) & 0b11
                guard state != 0 else { continue }
                let start = object * objectSize
                used += min(objectSize, header.size - start)
            }
            return used
        }
    }
#endif

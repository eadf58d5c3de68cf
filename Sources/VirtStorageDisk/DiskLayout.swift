#if Parted
    import Foundation
    import VirtStorage

    /// How a disk pool names its partitions and turns a partition table into
    /// volumes and sizes, as libvirt's disk backend and libvirt_parthelper do.
    struct DiskLayout: Sendable {
        /// The pool's source device as given.
        let source: String
        /// The canonical device path plus the separator: partition N is `prefix + N`.
        let prefix: String
        /// The pool's target directory, where stable names may live.
        let target: String?

        init(_ pool: PoolDefinition) throws(StorageError) {
            let device = try DiskLayout.sourceDevice(pool)
            source = device.path
            target = pool.target.path
            let canonical = DiskLayout.realPath(device.path)
            // libvirt_parthelper: a device-mapper name gets "p" when it ends in a
            // digit or part_separator='yes'; any other device when its canonical
            // name ends in a digit (loop0 -> loop0p1, sda -> sda1).
            let endsInDigit = canonical.last?.isNumber == true
            let separator: Bool
            if DiskLayout.isDeviceMapper(device.path) {
                separator = endsInDigit || device.partSeparator == true
                prefix = device.path + (separator ? "p" : "")
            } else {
                prefix = canonical + (endsInDigit ? "p" : "")
            }
        }

        static func sourceDevice(_ pool: PoolDefinition) throws(StorageError) -> SourceDevice {
            guard let device = pool.source.devices.first else {
                throw StorageError(
                    .invalidArgument, "disk pool '\(pool.name)' has no source device", element: "source/device")
            }
            return device
        }

        /// The pool's label in libvirt's words: "unknown" means dos, as libvirt starts and builds it.
        static func label(_ pool: PoolDefinition) -> String {
            guard let format = pool.source.format, format != "unknown" else { return "dos" }
            return format
        }

        /// libparted's name for a libvirt label, and back.
        static func partedLabel(_ label: String) -> String { label == "dos" ? "msdos" : label }
        static func libvirtLabel(_ parted: String) -> String { parted == "msdos" ? "dos" : parted }

        static func realPath(_ path: String) -> String {
            SystemCalls.resolve(path) ?? path
        }

        /// Whether `path` is a device-mapper block device (its major is device-mapper's).
        static func isDeviceMapper(_ path: String) -> Bool {
            guard let st = SystemCalls.status(of: path), (st.st_mode & S_IFMT) == S_IFBLK,
                let devices = try? String(contentsOfFile: "/proc/devices", encoding: .utf8)
            else { return false }
            let major = UInt32((st.st_rdev >> 8) & 0xfff)
            return devices.split(separator: "\n").contains { line in
                let fields = line.split(separator: " ")
                return fields.count == 2 && fields[1] == "device-mapper" && UInt32(fields[0]) == major
            }
        }

        /// The device node of partition `number`.
        func devicePath(_ number: Int32) -> String { prefix + String(number) }

        /// The volume name of partition `number`: the node's last component.
        func name(_ number: Int32) -> String {
            String(devicePath(number).split(separator: "/").last ?? "")
        }

        /// The path a volume shows: a link in the pool's target directory
        /// pointing at the node when the target is not /dev (libvirt's stable
        /// path), else the node itself.
        func stablePath(_ devicePath: String) -> String {
            guard let target, target != "/dev", target != "/dev/" else { return devicePath }
            guard let entries = try? FileManager.default.contentsOfDirectory(atPath: target) else {
                return devicePath
            }
            for entry in entries.sorted() {
                let candidate = target + "/" + entry
                if DiskLayout.realPath(candidate) == devicePath { return candidate }
            }
            return devicePath
        }

        /// The partition a volume path stands for, in `table`.
        func partition(at volumePath: String, in table: PartitionTable) -> PartitionEntry? {
            let node = DiskLayout.realPath(volumePath)
            return table.partitions.first { devicePath($0.number) == volumePath || devicePath($0.number) == node }
        }

        // MARK: refresh

        /// Free extents as libvirt lists them: the first one never starts at 0.
        func freeExtents(_ table: PartitionTable) -> [(extent: Extent, logical: Bool)] {
            table.entries.filter { $0.content == .free }.map {
                (Extent(start: $0.start == 0 ? 512 : $0.start, end: $0.end), $0.kind == .logical)
            }
        }

        /// The volume of one partition, with sizes from its device node when
        /// the kernel has one (on an image file there is none: the extent gives them).
        func volume(_ entry: PartitionEntry) -> VolumeDefinition {
            let node = devicePath(entry.number)
            let path = stablePath(node)
            let name = self.name(entry.number)
            let length = entry.end - entry.start
            var vol: VolumeDefinition
            if let st = SystemCalls.status(of: node), (st.st_mode & S_IFMT) == S_IFBLK,
                let described = FileVolumes.describe(path: path, name: name)
            {
                vol = described
            } else {
                vol = VolumeDefinition(name: name, capacity: length)
                vol.allocationSpecified = true
                vol.target.permissions = Permissions()
            }
            vol.name = name
            vol.key = path
            vol.type = .block
            vol.target.path = path
            vol.target.format = VolumeFormat(entry.format)
            vol.sourceExtents = [
                .init(devicePath: source, extent: Extent(start: entry.start, end: entry.end))
            ]
            if entry.kind == .extended {
                // The node of an extended partition is a stub: the extent is its size,
                // and its allocation is what its logical partitions hold.
                vol.capacity = length
                vol.allocation = 0
            }
            return vol
        }

        /// Sizes, free extents and volumes of `table`, summed as libvirt sums them.
        func survey(_ table: PartitionTable) -> (PoolSizes, [Extent], [VolumeDefinition]) {
            var capacity: UInt64 = 0
            var allocation: UInt64 = 0
            var available: UInt64 = 0
            var volumes: [VolumeDefinition] = []
            var extendedIndex: Int?
            for entry in table.entries {
                switch (entry.kind, entry.content) {
                case (.extended, _), (_, .data):
                    var vol = volume(entry)
                    if entry.kind == .extended {
                        extendedIndex = volumes.count
                    } else {
                        allocation += vol.allocation
                        if entry.kind == .logical, let i = extendedIndex { volumes[i].allocation += vol.allocation }
                    }
                    capacity = max(capacity, entry.end)
                    vol.allocationSpecified = true
                    volumes.append(vol)
                default:
                    continue
                }
            }
            let free = freeExtents(table).map(\.extent)
            for extent in free {
                available += extent.end - extent.start
                capacity = max(capacity, extent.end)
            }
            return (PoolSizes(capacity: capacity, allocation: allocation, available: available), free, volumes)
        }

        // MARK: creation

        /// libvirt's choice of partition kind for a new volume: on dos, primary
        /// while fewer than four primary and extended partitions exist, then logical.
        func kind(for format: String, in table: PartitionTable) throws(StorageError) -> PartitionEntry.Kind {
            guard table.label == "msdos" else {
                if format == "extended" {
                    throw StorageError(
                        .configUnsupported,
                        "extended partitions exist on dos labels only, not on '\(DiskLayout.libvirtLabel(table.label))'",
                        value: format)
                }
                return .normal
            }
            if format == "extended" {
                if table.extended != nil {
                    throw StorageError(.internalError, "extended partition already exists", value: format)
                }
                return .extended
            }
            let primaries = table.partitions.filter { $0.kind != .logical }.count
            guard primaries >= 4 else { return .normal }
            guard table.extended != nil else {
                throw StorageError(.internalError, "no extended partition found and no primary partition available")
            }
            return .logical
        }

        /// libvirt's placement (virStorageBackendDiskPartBoundaries): the
        /// smallest free extent that fits; on dos the end is rounded up to a
        /// cylinder boundary and a logical partition starts one sector in.
        /// Returns the first and last byte.
        func boundaries(size: UInt64, kind: PartitionEntry.Kind, in table: PartitionTable) throws(StorageError)
            -> (start: UInt64, end: UInt64)
        {
            let dos = table.label == "msdos"
            let cylinder = table.cylinderSize
            let extra = cylinder - size % cylinder
            let logical = kind == .logical
            var best: (extent: Extent, needed: UInt64, size: UInt64)?
            for (extent, inLogicalArea) in freeExtents(table) {
                var available = extent.end - extent.start
                var needed = size
                if dos {
                    needed += extra
                    if extent.start % cylinder > extra { needed += cylinder }
                    if logical { available = available >= 512 ? available - 512 : 0 }
                }
                guard available > needed, best.map({ available < $0.size }) ?? true else { continue }
                guard inLogicalArea == logical else { continue }
                best = (extent, needed, available)
            }
            guard let best else {
                throw StorageError(
                    .operationFailed,
                    "no large enough free extent on '\(source)' for \(size) bytes (largest free: \(freeExtents(table).map { $0.extent.end - $0.extent.start }.max() ?? 0))",
                    value: String(size))
            }
            var start = best.extent.start
            if logical { start += 512 }
            var end = start + best.needed
            if dos { end -= start % cylinder }
            return (start, end - 1)
        }
    }
#endif

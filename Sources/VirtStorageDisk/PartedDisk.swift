#if Parted
    import CParted
    import Foundation
    import VirtStorage

    /// One entry of a partition table as libparted walks it: a partition, a
    /// free area or a metadata area. Extents are in bytes, end exclusive.
    struct PartitionEntry: Sendable, Equatable {
        enum Kind: Sendable { case normal, logical, extended }
        enum Content: Sendable { case data, metadata, free, protected }

        /// The partition number; -1 for free and metadata areas.
        var number: Int32
        var kind: Kind
        var content: Content
        var start: UInt64
        var end: UInt64
        /// The partition type in libvirt's words (none, linux-swap, linux-lvm, ...).
        var format: String
        /// Mounted, swapped on, or held by the kernel (libparted's test).
        var busy: Bool
    }

    /// A device's partition table, read in one libparted session.
    struct PartitionTable: Sendable {
        /// libparted's label name (msdos, gpt, ...).
        var label: String
        var sectorSize: UInt64
        var deviceSize: UInt64
        /// Bytes per cylinder of the device's hardware geometry (libvirt aligns dos partitions to it).
        var cylinderSize: UInt64
        var entries: [PartitionEntry]

        var partitions: [PartitionEntry] { entries.filter { $0.number > 0 } }
        var extended: PartitionEntry? { entries.first { $0.kind == .extended } }
    }

    /// What a device holds before a label is written.
    enum DeviceContent: Sendable, Equatable {
        case nothing
        /// A partition table (libparted's label name).
        case label(String)
        /// A file system on the whole device.
        case fileSystem(String)
    }

    /// Where a new partition goes, in sectors (end inclusive), and what it is.
    struct NewPartition: Sendable {
        var kind: PartitionEntry.Kind
        var format: String
        var startSector: Int64
        var endSector: Int64
    }

    /// Sessions with libparted. Every function opens the device, does its
    /// work and lets go of it; all of them must run on `PartedThread`.
    enum PartedDisk {
        /// Opens `path` in libparted for the length of `body`.
        static func withDevice<T>(
            _ path: String, _ body: (UnsafeMutablePointer<PedDevice>) throws(StorageError) -> T
        ) throws(StorageError) -> T {
            guard let dev = parted.ped_device_get(path) else {
                throw PartedMessages.failure("unable to access device '\(path)'", path: path)
            }
            // Destroying drops libparted's cached copy: the next session sees the device anew.
            defer { parted.ped_device_destroy(dev) }
            return try body(dev)
        }

        static func withDisk<T>(
            _ dev: UnsafeMutablePointer<PedDevice>, path: String,
            _ body: (UnsafeMutablePointer<PedDisk>) throws(StorageError) -> T
        ) throws(StorageError) -> T {
            guard parted.ped_disk_probe(dev) != nil else {
                throw StorageError(
                    .operationFailed, "unrecognised disk label on '\(path)': build the pool first", path: path)
            }
            guard let disk = parted.ped_disk_new(dev) else {
                throw PartedMessages.failure("unable to read the partition table of '\(path)'", path: path)
            }
            defer { parted.ped_disk_destroy(disk) }
            return try body(disk)
        }

        /// Writes the table to the device; on a block device also tells the
        /// kernel (BLKPG), which makes the partition nodes appear and go.
        static func commit(_ disk: UnsafeMutablePointer<PedDisk>, path: String) throws(StorageError) {
            let isFile = disk.pointee.dev?.pointee.type == PED_DEVICE_FILE
            // ped_disk_commit on a file only adds a `udevadm settle`.
            let ok = isFile ? parted.ped_disk_commit_to_dev(disk) : parted.ped_disk_commit(disk)
            guard ok != 0 else {
                throw PartedMessages.failure("cannot write the partition table of '\(path)'", path: path)
            }
        }

        // MARK: reading

        static func probe(_ path: String) throws(StorageError) -> DeviceContent {
            try withDevice(path) { dev throws(StorageError) in
                if let type = parted.ped_disk_probe(dev), let name = type.pointee.name {
                    let label = String(cString: name)
                    // libparted's "loop" label is a file system on the whole device.
                    if label != "loop" { return .label(label) }
                }
                guard parted.ped_device_open(dev) != 0 else {
                    throw PartedMessages.failure("unable to open device '\(path)'", path: path)
                }
                defer { _ = parted.ped_device_close(dev) }
                guard let geometry = parted.ped_geometry_new(dev, 0, dev.pointee.length) else {
                    throw PartedMessages.failure("unable to probe '\(path)'", path: path)
                }
                defer { parted.ped_geometry_destroy(geometry) }
                if let fs = parted.ped_file_system_probe(geometry), let name = fs.pointee.name {
                    return .fileSystem(String(cString: name))
                }
                PartedMessages.reset()
                return .nothing
            }
        }

        static func read(_ path: String) throws(StorageError) -> PartitionTable {
            try withDevice(path) { dev throws(StorageError) in
                try withDisk(dev, path: path) { disk throws(StorageError) in table(disk) }
            }
        }

        static func table(_ disk: UnsafeMutablePointer<PedDisk>) -> PartitionTable {
            let dev = disk.pointee.dev!.pointee
            let sector = UInt64(dev.sector_size)
            let geometry = dev.hw_geom
            let cylinder = UInt64(max(0, geometry.heads)) * UInt64(max(0, geometry.sectors)) * 512
            var entries: [PartitionEntry] = []
            var part = parted.ped_disk_next_partition(disk, nil)
            while let p = part {
                entries.append(entry(p, sectorSize: sector))
                part = parted.ped_disk_next_partition(disk, p)
            }
            let label = disk.pointee.type?.pointee.name.map { String(cString: $0) } ?? "unknown"
            return PartitionTable(
                label: label, sectorSize: sector, deviceSize: UInt64(dev.length) * sector,
                cylinderSize: cylinder == 0 ? 1 << 20 : cylinder, entries: entries)
        }

        private static func entry(_ part: UnsafeMutablePointer<PedPartition>, sectorSize: UInt64) -> PartitionEntry {
            let type = part.pointee.type.rawValue
            let kind: PartitionEntry.Kind
            if type == PED_PARTITION_EXTENDED.rawValue {
                kind = .extended
            } else if type & PED_PARTITION_LOGICAL.rawValue != 0 {
                kind = .logical
            } else {
                kind = .normal
            }
            let content: PartitionEntry.Content
            if kind == .extended || type & PED_PARTITION_METADATA.rawValue != 0 {
                content = .metadata
            } else if type & PED_PARTITION_FREESPACE.rawValue != 0 {
                content = .free
            } else if type & PED_PARTITION_PROTECTED.rawValue != 0 {
                content = .protected
            } else {
                content = .data
            }
            let geom = part.pointee.geom
            let isPartition = part.pointee.num > 0
            return PartitionEntry(
                number: part.pointee.num, kind: kind, content: content,
                start: UInt64(geom.start) * sectorSize, end: UInt64(geom.end + 1) * sectorSize,
                format: isPartition ? format(of: part, kind: kind) : "none",
                busy: isPartition && parted.ped_partition_is_busy(part) != 0)
        }

        /// The partition type libvirt would name: from the flags, else from the file system found.
        private static func format(of part: UnsafeMutablePointer<PedPartition>, kind: PartitionEntry.Kind) -> String {
            if kind == .extended { return "extended" }
            func flag(_ f: PedPartitionFlag) -> Bool {
                parted.ped_partition_is_flag_available(part, f) != 0 && parted.ped_partition_get_flag(part, f) != 0
            }
            if flag(PED_PARTITION_LVM) { return "linux-lvm" }
            if flag(PED_PARTITION_RAID) { return "linux-raid" }
            if flag(PED_PARTITION_SWAP) { return "linux-swap" }
            guard let fs = part.pointee.fs_type, let cName = fs.pointee.name else { return "none" }
            let name = String(cString: cName)
            switch name {
            case "fat16", "fat32": return name
            case _ where name.hasPrefix("linux-swap"): return "linux-swap"
            case "ext2", "ext3", "ext4", "xfs", "btrfs", "jfs", "reiserfs", "nilfs2": return "linux"
            default: return "none"
            }
        }

        // MARK: changing

        static func knowsLabel(_ label: String) -> Bool { parted.ped_disk_type_get(label) != nil }

        /// Writes a new, empty label of libparted type `label`.
        static func makeLabel(_ path: String, label: String) throws(StorageError) {
            try withDevice(path) { dev throws(StorageError) in
                guard let type = parted.ped_disk_type_get(label) else {
                    throw StorageError(
                        .operationUnsupported, "libparted cannot write a '\(label)' disk label", value: label)
                }
                guard let disk = parted.ped_disk_new_fresh(dev, type) else {
                    throw PartedMessages.failure("cannot create a '\(label)' disk label on '\(path)'", path: path)
                }
                defer { parted.ped_disk_destroy(disk) }
                try commit(disk, path: path)
            }
        }

        /// Adds a partition; `accept` sees its number before anything is
        /// written and may refuse it. Returns the new table.
        static func addPartition(
            _ path: String, _ new: NewPartition, accept: (Int32, PartitionTable) throws(StorageError) -> Void
        ) throws(StorageError) -> PartitionTable {
            try withDevice(path) { dev throws(StorageError) in
                try withDisk(dev, path: path) { disk throws(StorageError) in
                    let (fsName, flag) = partedType(new.format)
                    let type: PedPartitionType =
                        switch new.kind {
                        case .normal: PED_PARTITION_NORMAL
                        case .logical: PED_PARTITION_LOGICAL
                        case .extended: PED_PARTITION_EXTENDED
                        }
                    let fsType = new.kind == .extended ? nil : fsName.flatMap { parted.ped_file_system_type_get($0) }
                    guard let part = parted.ped_partition_new(disk, type, fsType, new.startSector, new.endSector) else {
                        throw PartedMessages.failure("cannot create a partition on '\(path)'", path: path)
                    }
                    guard add(disk, part, new) else {
                        parted.ped_partition_destroy(part)
                        throw PartedMessages.failure(
                            "cannot add a partition at sectors \(new.startSector)-\(new.endSector) of '\(path)'",
                            path: path)
                    }
                    if let flag, parted.ped_partition_is_flag_available(part, flag) != 0,
                        parted.ped_partition_set_flag(part, flag, 1) == 0
                    {
                        throw PartedMessages.failure("cannot set the partition type '\(new.format)'", path: path)
                    }
                    try accept(part.pointee.num, table(disk))
                    try commit(disk, path: path)
                    return table(disk)
                }
            }
        }

        /// Places the partition where asked; a logical partition may move a
        /// few sectors for its extended boot record, as parted's own mkpart does.
        private static func add(
            _ disk: UnsafeMutablePointer<PedDisk>, _ part: UnsafeMutablePointer<PedPartition>, _ new: NewPartition
        ) -> Bool {
            if let exact = parted.ped_constraint_exact(&part.pointee.geom) {
                defer { parted.ped_constraint_destroy(exact) }
                if parted.ped_disk_add_partition(disk, part, exact) != 0 { return true }
            }
            guard new.kind == .logical else { return false }
            guard let dev = disk.pointee.dev else { return false }
            let slack: Int64 = 64
            guard let startRange = parted.ped_geometry_new(dev, new.startSector, slack),
                let endRange = parted.ped_geometry_new(dev, new.endSector - slack + 1, slack)
            else { return false }
            defer {
                parted.ped_geometry_destroy(startRange)
                parted.ped_geometry_destroy(endRange)
            }
            guard let any = parted.ped_alignment_new(0, 1) else { return false }
            defer { parted.ped_alignment_destroy(any) }
            guard let loose = parted.ped_constraint_new(any, any, startRange, endRange, 1, dev.pointee.length) else {
                return false
            }
            defer { parted.ped_constraint_destroy(loose) }
            PartedMessages.reset()
            return parted.ped_disk_add_partition(disk, part, loose) != 0
        }

        /// libparted's file system type and flag for a libvirt partition type
        /// (libvirt itself gives parted ext2 for everything but fat and swap).
        static func partedType(_ format: String) -> (String?, PedPartitionFlag?) {
            switch format {
            case "fat16", "fat32": (format, nil)
            case "linux-swap": ("linux-swap", nil)
            case "linux-lvm": ("ext2", PED_PARTITION_LVM)
            case "linux-raid": ("ext2", PED_PARTITION_RAID)
            case "extended": (nil, nil)
            default: ("ext2", nil)
            }
        }

        /// Runs `body` on partition `number` of `path` once `check` has seen it.
        private static func withPartition<T>(
            _ path: String, number: Int32, check: (PartitionEntry, PartitionTable) throws(StorageError) -> Void,
            _ body: (UnsafeMutablePointer<PedDevice>, UnsafeMutablePointer<PedDisk>, UnsafeMutablePointer<PedPartition>)
                throws(StorageError) -> T
        ) throws(StorageError) -> T {
            try withDevice(path) { dev throws(StorageError) in
                try withDisk(dev, path: path) { disk throws(StorageError) in
                    let before = table(disk)
                    guard let part = parted.ped_disk_get_partition(disk, number),
                        let found = before.entries.first(where: { $0.number == number })
                    else {
                        throw StorageError(.noSuchVolume, "'\(path)' has no partition \(number)", path: path)
                    }
                    try check(found, before)
                    return try body(dev, disk, part)
                }
            }
        }

        /// Removes partition `number` after `check` has seen it; returns the new table.
        static func deletePartition(
            _ path: String, number: Int32, check: (PartitionEntry, PartitionTable) throws(StorageError) -> Void
        ) throws(StorageError) -> PartitionTable {
            try withPartition(path, number: number, check: check) { _, disk, part throws(StorageError) in
                guard parted.ped_disk_delete_partition(disk, part) != 0 else {
                    throw PartedMessages.failure("cannot delete partition \(number) of '\(path)'", path: path)
                }
                try commit(disk, path: path)
                return table(disk)
            }
        }

        /// Moves the end of partition `number` to `endSector` (inclusive), its start staying.
        static func resizePartition(
            _ path: String, number: Int32, endSector: Int64,
            check: (PartitionEntry, PartitionTable) throws(StorageError) -> Void
        ) throws(StorageError) -> PartitionTable {
            try withPartition(path, number: number, check: check) { dev, disk, part throws(StorageError) in
                let start = part.pointee.geom.start
                guard let geometry = parted.ped_geometry_new(dev, start, endSector - start + 1) else {
                    throw PartedMessages.failure("invalid size for partition \(number) of '\(path)'", path: path)
                }
                defer { parted.ped_geometry_destroy(geometry) }
                guard let exact = parted.ped_constraint_exact(geometry) else {
                    throw PartedMessages.failure("cannot resize partition \(number) of '\(path)'", path: path)
                }
                defer { parted.ped_constraint_destroy(exact) }
                guard parted.ped_disk_set_partition_geom(disk, part, exact, start, endSector) != 0 else {
                    throw PartedMessages.failure(
                        "cannot resize partition \(number) of '\(path)' to end at sector \(endSector)", path: path)
                }
                try commit(disk, path: path)
                return table(disk)
            }
        }
    }
#endif

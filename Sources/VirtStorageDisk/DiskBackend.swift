#if Parted
    import Foundation
    import VirtStorage

    /// Disk pools: a block device (or an image file) with a partition table,
    /// each partition a volume, all through libparted in this process.
    public struct DiskBackend: StorageBackend {
        public init() {}

        public var type: PoolType { .disk }

        /// libvirt's disk backend, plus resize, minus creation from another
        /// volume (not yet here).
        public var libvirtVolumeDeleteFunction: String { "virStorageBackendDiskDeleteVol" }

        // MARK: pool

        public func check(_ pool: PoolDefinition) async throws(StorageError) -> Bool {
            let path = try DiskLayout.sourceDevice(pool).path
            guard SystemCalls.exists(path) else { return false }
            do {
                try await verifyLabel(pool)
                return true
            } catch {
                return false
            }
        }

        public func start(_ pool: PoolDefinition) async throws(StorageError) {
            try Self.requireDevice(try DiskLayout.sourceDevice(pool).path)
            try await verifyLabel(pool)
        }

        /// libvirt's start check: the device must carry the pool's label.
        private func verifyLabel(_ pool: PoolDefinition) async throws(StorageError) {
            let path = try DiskLayout.sourceDevice(pool).path
            let wanted = DiskLayout.label(pool)
            let content = try await PartedThread.run { () throws(StorageError) in try PartedDisk.probe(path) }
            switch content {
            case .label(let label) where DiskLayout.libvirtLabel(label) == wanted:
                return
            case .label, .fileSystem:
                throw StorageError(
                    .operationInvalid,
                    "Format of device '\(path)' does not match the expected format '\(wanted)'\(Self.describe(content))",
                    path: path)
            case .nothing:
                throw StorageError(.operationFailed, "Device '\(path)' is unrecognized, requires build", path: path)
            }
        }

        /// Writes a new label. Without `.overwrite`, a device that already has
        /// a label or a file system is refused untouched (libvirt's rule); a
        /// device with a partition in use is refused in every mode.
        public func build(_ pool: PoolDefinition, mode: BuildMode) async throws(StorageError) {
            switch mode {
            case .normal, .overwrite, .noOverwrite: break
            case .repair, .resize:
                throw StorageError(
                    .invalidArgument, "disk pools are built with overwrite or no-overwrite only, not '\(mode)'")
            }
            let path = try DiskLayout.sourceDevice(pool).path
            let wanted = DiskLayout.label(pool)
            let parted = DiskLayout.partedLabel(wanted)
            try Self.requireDevice(path)
            try await PartedThread.run { () throws(StorageError) in
                try Self.requireIdle(path)
                guard PartedDisk.knowsLabel(parted) else {
                    throw StorageError(
                        .operationUnsupported, "libparted cannot write a '\(wanted)' disk label", value: wanted)
                }
                if mode != .overwrite {
                    let content = try PartedDisk.probe(path)
                    switch content {
                    case .nothing:
                        break
                    case .label(let label) where DiskLayout.libvirtLabel(label) == wanted:
                        throw StorageError(
                            .operationInvalid, "Device '\(path)' already formatted using '\(wanted)'", path: path)
                    case .label, .fileSystem:
                        throw StorageError(
                            .operationInvalid,
                            "Format of device '\(path)' does not match the expected format '\(wanted)'\(Self.describe(content)), forced overwrite is necessary",
                            path: path)
                    }
                }
                try Self.zeroLabelAreas(path)
                try PartedDisk.makeLabel(path, label: parted)
            }
        }

        /// Clears the label areas (first and last MiB), as libvirt's pool-delete.
        public func delete(_ pool: PoolDefinition, zeroed: Bool) async throws(StorageError) {
            if zeroed {
                throw StorageError(
                    .operationUnsupported, "zeroed deletion is not supported for disk pools: wipe the volumes first")
            }
            let path = try DiskLayout.sourceDevice(pool).path
            try Self.requireDevice(path)
            try await PartedThread.run { () throws(StorageError) in
                try Self.requireIdle(path)
                try Self.zeroLabelAreas(path)
            }
        }

        public func refresh(_ pool: PoolDefinition) async throws(StorageError) -> (PoolSizes, [VolumeDefinition]) {
            let layout = try DiskLayout(pool)
            try Self.requireDevice(layout.source)
            let (sizes, free, volumes) = try await PartedThread.run {
                () throws(StorageError) -> (PoolSizes, [Extent], [VolumeDefinition]) in
                layout.survey(try PartedDisk.read(layout.source))
            }
            var result = sizes
            var source = pool.source
            source.devices[0].freeExtents = free
            // As libvirt: a started pool of unknown format is a dos pool.
            if source.format == nil || source.format == "unknown" { source.format = "dos" }
            result.source = source
            return (result, volumes)
        }

        // MARK: volumes

        /// Checks the name against the partition naming of the device and
        /// fills in the path and key it will have (the partition number
        /// libparted gives is checked again before anything is written).
        public func prepareVolume(_ volume: inout VolumeDefinition, in pool: PoolDefinition) throws(StorageError) {
            let layout = try DiskLayout(pool)
            if volume.target.encryption != nil {
                throw StorageError(.configUnsupported, "disk pools do not support encrypted volumes here")
            }
            let base = layout.name(1).dropLast()
            guard volume.name.hasPrefix(base), let number = Int32(volume.name.dropFirst(base.count)), number > 0
            else {
                throw StorageError(
                    .invalidArgument,
                    "invalid partition name '\(volume.name)': partitions of '\(layout.source)' are named \(base)N",
                    value: volume.name)
            }
            volume.type = .block
            volume.target.path = layout.stablePath(layout.devicePath(number))
            volume.key = volume.target.path
            if volume.target.format == nil { volume.target.format = "none" }
        }

        public func buildVolume(
            _ volume: VolumeDefinition, from source: VolumeDefinition?, in pool: PoolDefinition,
            options: VolumeBuildOptions, secrets: VolumeSecrets, progress: ProgressHandler?
        ) async throws(StorageError) {
            if source != nil {
                throw StorageError(.operationUnsupported, "disk pools cannot create a volume from another")
            }
            let layout = try DiskLayout(pool)
            let format = volume.target.format?.rawValue ?? "none"
            let node = try await PartedThread.run { () throws(StorageError) -> String in
                let table = try PartedDisk.read(layout.source)
                try Self.requireLabel(table, pool: pool)
                let kind = try layout.kind(for: format, in: table)
                let (start, end) = try layout.boundaries(size: volume.capacity, kind: kind, in: table)
                let sector = table.sectorSize
                let new = NewPartition(
                    kind: kind, format: format, startSector: Int64(start / sector), endSector: Int64(end / sector))
                var number: Int32 = 0
                _ = try PartedDisk.addPartition(layout.source, new) { (num, _) throws(StorageError) in
                    guard layout.name(num) == volume.name else {
                        throw StorageError(
                            .invalidArgument,
                            "invalid partition name '\(volume.name)', expected '\(layout.name(num))'",
                            value: volume.name)
                    }
                    number = num
                }
                return layout.devicePath(number)
            }
            await Self.waitForNode(node, device: layout.source)
        }

        public func refreshVolume(_ volume: VolumeDefinition, in pool: PoolDefinition) async throws(StorageError)
            -> VolumeDefinition
        {
            let layout = try DiskLayout(pool)
            guard let path = volume.target.path else { return volume }
            return try await PartedThread.run { () throws(StorageError) -> VolumeDefinition in
                let table = try PartedDisk.read(layout.source)
                guard let entry = layout.partition(at: path, in: table) else {
                    throw StorageError(.noSuchVolume, "no partition of '\(layout.source)' is '\(path)'", value: path)
                }
                return layout.volume(entry)
            }
        }

        /// Removes the partition whose node is the volume's path, after checking
        /// that it still lies where the volume says (logical partitions are
        /// renumbered when one before them goes).
        public func deleteVolume(_ volume: VolumeDefinition, in pool: PoolDefinition) async throws(StorageError) {
            let layout = try DiskLayout(pool)
            guard let path = volume.target.path else {
                throw StorageError(
                    .invalidArgument, "volume target path empty for source path '\(layout.source)'")
            }
            try await PartedThread.run { () throws(StorageError) in
                let table = try PartedDisk.read(layout.source)
                let entry = try Self.locate(volume, path: path, layout: layout, table: table)
                if entry.kind == .extended {
                    let logicals = table.partitions.filter { $0.kind == .logical }.map { layout.name($0.number) }
                    if !logicals.isEmpty {
                        throw StorageError(
                            .operationInvalid,
                            "extended partition '\(path)' still holds logical partitions \(logicals.joined(separator: ", ")): delete them first",
                            value: path)
                    }
                }
                _ = try PartedDisk.deletePartition(layout.source, number: entry.number) {
                    (found, _) throws(StorageError) in
                    guard found == entry else {
                        throw StorageError(.operationFailed, "partition table of '\(layout.source)' changed meanwhile")
                    }
                }
            }
        }

        /// Moves the end of the partition (its start stays): grows into free
        /// space right after it, or shrinks. On dos the end goes to a cylinder
        /// boundary, as for a new partition.
        public func resizeVolume(
            _ volume: VolumeDefinition, to capacity: UInt64, options: ResizeOptions, in pool: PoolDefinition
        ) async throws(StorageError) {
            let layout = try DiskLayout(pool)
            guard let path = volume.target.path else { throw StorageError(.invalidArgument, "volume has no path") }
            guard capacity > 0 else {
                throw StorageError(.invalidArgument, "a partition cannot shrink to 0 bytes", value: "0")
            }
            let node = try await PartedThread.run { () throws(StorageError) -> String in
                let table = try PartedDisk.read(layout.source)
                let entry = try Self.locate(volume, path: path, layout: layout, table: table)
                if entry.kind == .extended {
                    throw StorageError(.operationUnsupported, "cannot resize extended partition '\(path)'")
                }
                var end = entry.start + capacity
                if table.label == "msdos" {
                    let cylinder = table.cylinderSize
                    end = (end + cylinder - 1) / cylinder * cylinder
                }
                let sector = table.sectorSize
                let endSector = Int64((end + sector - 1) / sector) - 1
                _ = try PartedDisk.resizePartition(layout.source, number: entry.number, endSector: endSector) {
                    (found, _) throws(StorageError) in
                    guard found == entry else {
                        throw StorageError(.operationFailed, "partition table of '\(layout.source)' changed meanwhile")
                    }
                }
                return layout.devicePath(entry.number)
            }
            await Self.waitForNode(node, device: layout.source)
        }

        /// Overwrites the partition's bytes: through its device node, or on an
        /// image file within the file at the partition's extent.
        public func wipeVolume(
            _ volume: VolumeDefinition, algorithm: WipeAlgorithm, in pool: PoolDefinition, progress: ProgressHandler?
        ) async throws(StorageError) {
            let layout = try DiskLayout(pool)
            guard let path = volume.target.path else { throw StorageError(.invalidArgument, "volume has no path") }
            let entry = try await PartedThread.run { () throws(StorageError) -> PartitionEntry in
                let table = try PartedDisk.read(layout.source)
                return try Self.locate(volume, path: path, layout: layout, table: table)
            }
            if entry.kind == .extended {
                throw StorageError(.operationUnsupported, "cannot wipe extended partition '\(path)'", value: path)
            }
            let node = layout.devicePath(entry.number)
            if let st = SystemCalls.status(of: node), (st.st_mode & S_IFMT) == S_IFBLK {
                try await VolumeWiper.wipe(path: node, algorithm: algorithm, progress: progress)
            } else {
                try await VolumeWiper.wipe(
                    path: layout.source, range: entry.start..<entry.end, algorithm: algorithm, progress: progress)
            }
        }

        /// The volume as its kernel device node, for streams (an image file's
        /// partitions have none).
        /// A partition's bytes through its kernel device node (an image
        /// file's partitions included, as for upload and download).
        public func openData(_ volume: VolumeDefinition, in pool: PoolDefinition, writable: Bool)
            async throws(StorageError) -> any VolumeData
        {
            let node = try await partitionNode(volume, in: pool)
            return try LocalVolumeData(path: node.target.path ?? "", writable: writable)
        }

        private func partitionNode(_ volume: VolumeDefinition, in pool: PoolDefinition) async throws(StorageError)
            -> VolumeDefinition
        {
            let layout = try DiskLayout(pool)
            guard let path = volume.target.path else { throw StorageError(.invalidArgument, "volume has no path") }
            let entry = try await PartedThread.run { () throws(StorageError) -> PartitionEntry in
                let table = try PartedDisk.read(layout.source)
                return try Self.locate(volume, path: path, layout: layout, table: table)
            }
            let node = layout.devicePath(entry.number)
            guard entry.kind != .extended, let st = SystemCalls.status(of: node), (st.st_mode & S_IFMT) == S_IFBLK
            else {
                throw StorageError(
                    .operationUnsupported,
                    "partition '\(path)' has no block device node: upload and download need one", value: path)
            }
            var vol = volume
            vol.target.path = node
            vol.capacity = entry.end - entry.start
            vol.physical = vol.capacity
            return vol
        }

        // MARK: helpers

        /// The partition of `volume` in `table`, checked against what the
        /// volume last recorded of it and refused when in use.
        private static func locate(
            _ volume: VolumeDefinition, path: String, layout: DiskLayout, table: PartitionTable
        ) throws(StorageError) -> PartitionEntry {
            guard let entry = layout.partition(at: path, in: table) else {
                throw StorageError(
                    .noSuchVolume,
                    "no partition of '\(layout.source)' has path '\(path)' any more: refresh the pool", value: path)
            }
            if let recorded = volume.sourceExtents.first?.extent,
                recorded.start != entry.start || recorded.end != entry.end
            {
                throw StorageError(
                    .operationFailed,
                    "partition '\(path)' is at bytes \(entry.start)-\(entry.end), not \(recorded.start)-\(recorded.end) as the volume says: the table changed, refresh the pool",
                    value: path)
            }
            if entry.busy {
                throw StorageError(
                    .operationInvalid, "partition '\(path)' is in use (mounted, active swap, or held)", value: path)
            }
            return entry
        }

        static func requireLabel(_ table: PartitionTable, pool: PoolDefinition) throws(StorageError) {
            let wanted = DiskLayout.label(pool)
            guard DiskLayout.libvirtLabel(table.label) == wanted else {
                throw StorageError(
                    .operationInvalid,
                    "Format of device '\(pool.source.devices.first?.path ?? "")' does not match the expected format '\(wanted)' (it has '\(DiskLayout.libvirtLabel(table.label))')"
                )
            }
        }

        static func describe(_ content: DeviceContent) -> String {
            switch content {
            case .nothing: ""
            case .label(let label): " (it has a '\(DiskLayout.libvirtLabel(label))' label)"
            case .fileSystem(let fs): " (it has a '\(fs)' file system)"
            }
        }

        static func requireDevice(_ path: String) throws(StorageError) {
            guard let st = SystemCalls.status(of: path) else {
                let code = errno
                throw StorageError(.invalidArgument, "device path '\(path)' doesn't exist", errno: code, path: path)
            }
            let kind = st.st_mode & S_IFMT
            guard kind == S_IFBLK || kind == S_IFREG else {
                throw StorageError(
                    .invalidArgument, "device path '\(path)' is neither a block device nor a file", path: path)
            }
        }

        /// Refuses a block device that someone holds exclusively (a mounted file
        /// system, a device-mapper table) or one of whose partitions is in use.
        static func requireIdle(_ path: String) throws(StorageError) {
            if let st = SystemCalls.status(of: path), (st.st_mode & S_IFMT) == S_IFBLK {
                do throws(StorageError) {
                    let fd = try SystemCalls.open(path, O_RDONLY | O_EXCL, "cannot open '\(path)'")
                    SystemCalls.close(fd)
                } catch {
                    // Only a device held by someone else is refused; any other failure is not this check's.
                    if error.errno == EBUSY {
                        throw StorageError(
                            .operationInvalid, "device '\(path)' is in use (mounted, or held by another driver)",
                            errno: EBUSY, path: path)
                    }
                }
            }
            guard case .label = try PartedDisk.probe(path) else { return }
            guard let table = try? PartedDisk.read(path) else { return }
            if let busy = table.partitions.first(where: \.busy) {
                throw StorageError(
                    .operationInvalid, "device '\(path)' is in use: partition \(busy.number) is mounted or active",
                    path: path)
            }
        }

        /// Zeros the first and the last MiB of the device, where labels live.
        static func zeroLabelAreas(_ path: String) throws(StorageError) {
            let fd = try SystemCalls.open(path, O_WRONLY, "cannot open '\(path)'")
            defer { SystemCalls.close(fd) }
            let size = SystemCalls.endOffset(fd, path: path)
            let length = min(size, 1 << 20)
            let zeros = [UInt8](repeating: 0, count: Int(length))
            for offset in Set([0, size - length]) {
                let written = zeros.withUnsafeBytes { pwrite(fd, $0.baseAddress, Int(length), off_t(offset)) }
                guard written == Int(length) else {
                    throw SystemError.make("cannot clear the label of '\(path)'", path: path)
                }
            }
            guard fsync(fd) == 0 else {
                throw StorageError(.systemError, "cannot sync '\(path)'", errno: errno, path: path)
            }
        }

        /// On a block device, waits (up to two seconds) for the kernel to show
        /// the partition's node, as libvirt waits for udev.
        static func waitForNode(_ node: String, device: String) async {
            guard let st = SystemCalls.status(of: device), (st.st_mode & S_IFMT) == S_IFBLK else { return }
            for _ in 0..<40 {
                if SystemCalls.exists(node) { return }
                try? await Task.sleep(nanoseconds: 50_000_000)
            }
        }
    }
#endif

#if Parted
    import Foundation
    import Testing
    import VirtStorageTestSupport
    import VirtStorage
    import VirtStorageDisk

    /// The disk backend, live through libparted on loop devices and image files,
    /// checked against what parted itself reads back.
    @Suite("disk backend (libparted)", .serialized, .enabled(if: LoopDevice.available, "needs root and loop devices"))
    struct DiskBackendTests {
        let backend = DiskBackend()
        static let mib: UInt64 = 1 << 20

        func pool(_ device: String, format: String? = "dos", name: String = "disk") throws -> PoolDefinition {
            let formatXML = format.map { "<format type='\($0)'/>" } ?? ""
            return try PoolXML.parse(
                """
                <pool type='disk'><name>\(name)</name>
                <source><device path='\(device)'/>\(formatXML)</source>
                <target><path>/dev</path></target></pool>
                """)
        }

        /// Creates a volume as the host does: prepare, build, re-read.
        @discardableResult
        func create(_ pool: PoolDefinition, _ name: String, _ size: UInt64, format: String = "none") async throws
            -> VolumeDefinition
        {
            var vol = try VolumeXML.parse(
                "<volume><name>\(name)</name><capacity>\(size)</capacity><target><format type='\(format)'/></target></volume>",
                poolType: .disk)
            try backend.prepareVolume(&vol, in: pool)
            try await backend.buildVolume(
                vol, from: nil, in: pool, options: VolumeBuildOptions(), secrets: VolumeSecrets(), progress: nil)
            return try await backend.refreshVolume(vol, in: pool)
        }

        func volumes(_ pool: PoolDefinition) async throws -> (PoolSizes, [String: VolumeDefinition]) {
            let (sizes, vols) = try await backend.refresh(pool)
            return (sizes, Dictionary(uniqueKeysWithValues: vols.map { ($0.name, $0) }))
        }

        /// Every volume's extent is the one parted reports for its number.
        func expectMatchesParted(_ device: String, _ vols: [String: VolumeDefinition], prefix: String) throws {
            let rows = try partedPrint(device).rows
            #expect(rows.count == vols.count, "parted: \(rows), volumes: \(vols.keys.sorted())")
            for row in rows {
                let vol = try #require(vols["\(prefix)\(row.number)"], "no volume for partition \(row.number)")
                #expect(
                    vol.sourceExtents == [.init(devicePath: device, extent: Extent(start: row.start, end: row.end))])
            }
        }

        /// Volumes, free extents and capacity are what libvirt 9.0 reads through its
        /// own helper, libvirt_parthelper, when it is installed.
        func expectMatchesParthelper(_ device: String, _ sizes: PoolSizes, _ vols: [String: VolumeDefinition]) throws {
            let helper = "/usr/lib/libvirt/libvirt_parthelper"
            guard FileManager.default.isExecutableFile(atPath: helper) else { return }
            let tokens = try Scratch.run(helper, [device]).output.split(
                separator: "\0", omittingEmptySubsequences: false)
            var extents: [String: Extent] = [:]
            var free: [Extent] = []
            var capacity: UInt64 = 0
            var i = 0
            while i + 5 < tokens.count {
                let (path, type, content) = (String(tokens[i]), tokens[i + 1], tokens[i + 2])
                let extent = Extent(start: UInt64(tokens[i + 3])!, end: UInt64(tokens[i + 4])!)
                i += 6
                if content == "free" {
                    free.append(Extent(start: extent.start == 0 ? 512 : extent.start, end: extent.end))
                } else if content == "data" || type == "extended" {
                    extents[String(path.split(separator: "/").last!)] = extent
                } else {
                    continue
                }
                capacity = max(capacity, extent.end)
            }
            #expect(sizes.source?.devices.first?.freeExtents == free)
            #expect(sizes.capacity == capacity)
            #expect(vols.mapValues { $0.sourceExtents.first!.extent } == extents)
        }

        @Test func dosOnLoopDevice() async throws {
            let scratch = Scratch("disk-dos")
            let loop = try LoopDevice("dos", sizeMiB: 128, in: scratch)
            let def = try pool(loop.device)
            let base = String(loop.device.dropFirst("/dev/".count)) + "p"

            try await backend.build(def, mode: .normal)
            #expect(try partedPrint(loop.device).label == "msdos")
            try await backend.start(def)
            var (sizes, vols) = try await volumes(def)
            #expect(vols.isEmpty)
            #expect(sizes.capacity > 127 * Self.mib && sizes.capacity <= 128 * Self.mib)
            #expect(sizes.source?.devices.first?.freeExtents.count == 1)
            try expectMatchesParthelper(loop.device, sizes, vols)

            for i in 1...3 {
                try await create(def, "\(base)\(i)", 10 * Self.mib, format: i == 2 ? "linux-lvm" : "none")
            }
            (sizes, vols) = try await volumes(def)
            try expectMatchesParted(loop.device, vols, prefix: base)
            for i in 1...3 {
                let vol = try #require(vols["\(base)\(i)"])
                #expect(vol.type == .block)
                #expect(vol.target.path == "/dev/\(base)\(i)")
                #expect(vol.key == vol.target.path)
                #expect(vol.capacity >= 10 * Self.mib && vol.capacity < 20 * Self.mib)
                #expect(vol.capacity == vol.sourceExtents[0].extent.end - vol.sourceExtents[0].extent.start)
                #expect(FileManager.default.fileExists(atPath: "/dev/\(base)\(i)"), "kernel node via BLKPG")
            }
            #expect(vols["\(base)2"]?.target.format == "linux-lvm")
            #expect(sizes.allocation == vols.values.reduce(0) { $0 + $1.allocation })
            #expect(sizes.available + sizes.allocation <= sizes.capacity)
            var live = def
            live.source = try #require(sizes.source)
            let xml = PoolXML.format(live)
            #expect(xml.contains("<freeExtent start="), "\(xml)")
            #expect(xml.contains("<format type='dos'/>"))
            let volXML = VolumeXML.format(try #require(vols["\(base)1"]), poolType: .disk)
            #expect(volXML.contains("<source>\n    <device path='\(loop.device)'>\n      <extent start="), "\(volXML)")

            // Extended and logical partitions: the fourth slot is the extended one.
            let extended = try await create(def, "\(base)4", 50 * Self.mib, format: "extended")
            #expect(extended.target.format == "extended")
            try await create(def, "\(base)5", 8 * Self.mib)
            try await create(def, "\(base)6", 8 * Self.mib, format: "linux-swap")
            (sizes, vols) = try await volumes(def)
            try expectMatchesParted(loop.device, vols, prefix: base)
            try expectMatchesParthelper(loop.device, sizes, vols)
            #expect(
                vols["\(base)4"]?.allocation == (vols["\(base)5"]?.allocation ?? 0)
                    + (vols["\(base)6"]?.allocation ?? 0))
            #expect(vols["\(base)6"]?.target.format == "linux-swap")
            let logicalFree = sizes.source?.devices.first?.freeExtents.filter {
                $0.start >= vols["\(base)4"]!.sourceExtents[0].extent.start
                    && $0.end <= vols["\(base)4"]!.sourceExtents[0].extent.end
            }
            #expect(logicalFree?.isEmpty == false, "free space inside the extended partition is listed")
            let unnamed = try await #require(throws: StorageError.self) { try await create(def, "\(base)9", Self.mib) }
            #expect(unnamed.message.contains("expected '\(base)7'"), "\(unnamed)")
            #expect(try partedPrint(loop.device).rows.count == 6, "a refused name writes nothing")

            // Deleting logical 5 renumbers 6 to 5: the stale volume 6 is refused, not another partition deleted.
            let stale6 = try #require(vols["\(base)6"])
            try await backend.deleteVolume(try #require(vols["\(base)5"]), in: def)
            let afterLogical = try partedPrint(loop.device).rows
            #expect(afterLogical.map(\.number) == [1, 2, 3, 4, 5])
            #expect(afterLogical.last?.start == stale6.sourceExtents[0].extent.start)
            let staleError = await #expect(throws: StorageError.self) {
                try await backend.deleteVolume(stale6, in: def)
            }
            #expect(staleError?.message.contains("refresh the pool") == true, "\(String(describing: staleError))")
            #expect(try partedPrint(loop.device).rows.count == 5)

            // Delete the middle primary: the others stay where they were.
            let before = try partedPrint(loop.device).rows
            (sizes, vols) = try await volumes(def)
            try await backend.deleteVolume(try #require(vols["\(base)2"]), in: def)
            let after = try partedPrint(loop.device).rows
            #expect(after == before.filter { $0.number != 2 })
            #expect(!FileManager.default.fileExists(atPath: "/dev/\(base)2"))

            // Resize: p1 grows into the hole p2 left, then shrinks.
            (sizes, vols) = try await volumes(def)
            let p1 = try #require(vols["\(base)1"])
            try await backend.resizeVolume(p1, to: 18 * Self.mib, options: [], in: def)
            var grown = try await backend.refreshVolume(p1, in: def)
            #expect(grown.capacity >= 18 * Self.mib)
            #expect(grown.sourceExtents[0].extent.start == p1.sourceExtents[0].extent.start)
            let row1 = try #require(try partedPrint(loop.device).rows.first { $0.number == 1 })
            #expect(row1.end == grown.sourceExtents[0].extent.end)
            #expect(grown.capacity == readSize("/dev/\(base)1"), "the kernel knows the new size")
            try await backend.resizeVolume(grown, to: 5 * Self.mib, options: [.shrink], in: def)
            grown = try await backend.refreshVolume(grown, in: def)
            #expect(grown.capacity >= 5 * Self.mib && grown.capacity < 10 * Self.mib)
            let tooBig = await #expect(throws: StorageError.self) {
                try await backend.resizeVolume(grown, to: 100 * Self.mib, options: [], in: def)
            }
            #expect(tooBig != nil)
            #expect(try partedPrint(loop.device).rows.count == 4)

            // Wipe p3: its bytes are zero, p1's marker is still there.
            (sizes, vols) = try await volumes(def)
            let p3 = try #require(vols["\(base)3"])
            writeBytes("/dev/\(base)3", [UInt8](repeating: 0xA5, count: 4096), at: 0)
            writeBytes("/dev/\(base)1", [1, 2, 3, 4], at: 0)
            try await backend.wipeVolume(p3, algorithm: .zero, in: def, progress: nil)
            #expect(readBytes("/dev/\(base)3", at: 0, count: 4096).allSatisfy { $0 == 0 })
            // The whole disk has a page cache of its own: drop it before reading through it.
            try Scratch.run("/usr/sbin/blockdev", ["--flushbufs", loop.device])
            #expect(readBytes(loop.device, at: p3.sourceExtents[0].extent.start, count: 4096).allSatisfy { $0 == 0 })
            #expect(readBytes("/dev/\(base)1", at: 0, count: 4) == [1, 2, 3, 4])
            let extendedWipe = await #expect(throws: StorageError.self) {
                try await backend.wipeVolume(try #require(vols["\(base)4"]), algorithm: .zero, in: def, progress: nil)
            }
            #expect(extendedWipe?.message.contains("cannot wipe extended partition") == true)

            // Upload into p3 and download it back.
            let payload = (0..<(3 * 4096)).map { UInt8(truncatingIfNeeded: $0 * 7) }
            let input = scratch.sub("in.bin")
            let output = scratch.sub("out.bin")
            _ = FileManager.default.createFile(atPath: input, contents: Data(payload))
            try await backend.uploadVolume(
                p3, from: input, offset: 512, length: nil, sparse: false, in: def, progress: nil)
            #expect(readBytes("/dev/\(base)3", at: 512, count: payload.count) == payload)
            try await backend.downloadVolume(
                p3, to: output, offset: 512, length: UInt64(payload.count), sparse: false, in: def, progress: nil)
            #expect(FileManager.default.contents(atPath: output).map([UInt8].init) == payload)
        }

        func readSize(_ path: String) -> UInt64 {
            let fd = open(path, O_RDONLY)
            guard fd >= 0 else { return 0 }
            defer { close(fd) }
            return UInt64(max(0, lseek(fd, 0, SEEK_END)))
        }

        @Test func gptOnLoopDevice() async throws {
            let scratch = Scratch("disk-gpt")
            let loop = try LoopDevice("gpt", sizeMiB: 64, in: scratch)
            let def = try pool(loop.device, format: "gpt")
            let base = String(loop.device.dropFirst("/dev/".count)) + "p"
            try await backend.build(def, mode: .noOverwrite)
            #expect(try partedPrint(loop.device).label == "gpt")
            for i in 1...3 { try await create(def, "\(base)\(i)", 5 * Self.mib) }
            var (sizes, vols) = try await volumes(def)
            try expectMatchesParted(loop.device, vols, prefix: base)
            // libvirt places gpt partitions at the start of the smallest fitting free extent, unrounded.
            #expect(vols.values.allSatisfy { $0.capacity == 5 * Self.mib })
            #expect(sizes.capacity < 64 * Self.mib, "the backup gpt is not free space")
            let extended = await #expect(throws: StorageError.self) {
                try await create(def, "\(base)4", Self.mib, format: "extended")
            }
            #expect(extended?.code == .configUnsupported)
            let before = try partedPrint(loop.device).rows
            try await backend.deleteVolume(try #require(vols["\(base)2"]), in: def)
            #expect(try partedPrint(loop.device).rows == before.filter { $0.number != 2 })
            // The hole is reused by the next partition, which takes number 2 again.
            try await create(def, "\(base)2", 2 * Self.mib)
            (sizes, vols) = try await volumes(def)
            try expectMatchesParted(loop.device, vols, prefix: base)
            #expect(vols["\(base)2"]!.sourceExtents[0].extent.start == before[1].start)
            // A start with a dos pool on a gpt device is refused.
            let mismatch = await #expect(throws: StorageError.self) {
                try await backend.start(try pool(loop.device, format: "dos"))
            }
            #expect(mismatch?.message.contains("does not match the expected format 'dos'") == true)
            #expect(try await backend.check(def))
        }

        @Test func buildRefusesExistingDataWithoutOverwrite() async throws {
            let scratch = Scratch("disk-build")
            let loop = try LoopDevice("build", sizeMiB: 32, in: scratch)
            #expect(try Scratch.run("/usr/sbin/mkfs.ext4", ["-q", "-F", loop.device]).status == 0)
            let head = readBytes(loop.device, at: 0, count: 1 << 20)
            let def = try pool(loop.device)
            for mode in [BuildMode.normal, .noOverwrite] {
                let error = await #expect(throws: StorageError.self) { try await backend.build(def, mode: mode) }
                #expect(
                    error?.message.contains("forced overwrite is necessary") == true, "\(String(describing: error))")
                #expect(error?.message.contains("ext4") == true)
            }
            #expect(readBytes(loop.device, at: 0, count: 1 << 20) == head, "the file system is untouched")
            #expect(
                try Scratch.run("/usr/sbin/blkid", ["-o", "value", "-s", "TYPE", loop.device]).output.contains("ext4"))
            let start = await #expect(throws: StorageError.self) { try await backend.start(def) }
            #expect(start?.message.contains("does not match") == true)
            #expect(try await backend.check(def) == false)

            try await backend.build(def, mode: .overwrite)
            #expect(try partedPrint(loop.device).label == "msdos")
            let again = await #expect(throws: StorageError.self) { try await backend.build(def, mode: .normal) }
            #expect(again?.message.contains("already formatted using 'dos'") == true)
            // A different label also needs overwrite; unknown format means dos.
            let gpt = await #expect(throws: StorageError.self) {
                try await backend.build(try pool(loop.device, format: "gpt"), mode: .normal)
            }
            #expect(gpt?.message.contains("forced overwrite") == true)
            try await backend.start(try pool(loop.device, format: nil))
            let lvm2 = await #expect(throws: StorageError.self) {
                try await backend.build(try pool(loop.device, format: "lvm2"), mode: .overwrite)
            }
            #expect(lvm2?.code == .operationUnsupported)
            #expect(try partedPrint(loop.device).label == "msdos", "an unsupported label leaves the old one")
        }

        @Test func deviceInUseIsRefused() async throws {
            let scratch = Scratch("disk-busy")
            let loop = try LoopDevice("busy", sizeMiB: 64, in: scratch)
            let def = try pool(loop.device)
            let base = String(loop.device.dropFirst("/dev/".count)) + "p"
            try await backend.build(def, mode: .normal)
            let p1 = try await create(def, "\(base)1", 16 * Self.mib)
            #expect(try Scratch.run("/usr/sbin/mkfs.ext4", ["-q", "-F", "/dev/\(base)1"]).status == 0)
            let mountPoint = scratch.sub("mnt")
            try FileManager.default.createDirectory(atPath: mountPoint, withIntermediateDirectories: true)
            #expect(try Scratch.run("/usr/bin/mount", ["/dev/\(base)1", mountPoint]).status == 0)
            loop.mounts.append(mountPoint)
            defer {
                _ = try? Scratch.run("/usr/bin/umount", [mountPoint])
                loop.mounts.removeAll()
            }
            let vol = try await backend.refreshVolume(p1, in: def)
            #expect(vol.target.format == "linux")
            let delete = await #expect(throws: StorageError.self) { try await backend.deleteVolume(vol, in: def) }
            #expect(delete?.message.contains("in use") == true, "\(String(describing: delete))")
            let build = await #expect(throws: StorageError.self) { try await backend.build(def, mode: .overwrite) }
            #expect(build?.message.contains("in use") == true, "\(String(describing: build))")
            let resize = await #expect(throws: StorageError.self) {
                try await backend.resizeVolume(vol, to: 20 * Self.mib, options: [], in: def)
            }
            #expect(resize?.message.contains("in use") == true)
            #expect(try partedPrint(loop.device).rows.count == 1)
            #expect(FileManager.default.fileExists(atPath: mountPoint + "/lost+found"))
        }

        @Test func missingDevice() async throws {
            let def = try pool("/dev/virtstorage-no-such-disk")
            for operation in ["build", "start", "refresh"] {
                let error = await #expect(throws: StorageError.self) {
                    switch operation {
                    case "build": try await backend.build(def, mode: .normal)
                    case "start": try await backend.start(def)
                    default: _ = try await backend.refresh(def)
                    }
                }
                #expect(error?.message == "device path '/dev/virtstorage-no-such-disk' doesn't exist", "\(operation)")
            }
            #expect(try await backend.check(def) == false)
        }

        @Test func imageFile() async throws {
            let scratch = Scratch("disk-image")
            let image = scratch.sub("disk.img")
            try Scratch.run("/usr/bin/truncate", ["-s", "64M", image])
            let def = try pool(image)
            try await backend.build(def, mode: .normal)
            let name = "disk.img"
            let p1 = try await create(def, "\(name)1", 8 * Self.mib)
            let p2 = try await create(def, "\(name)2", 8 * Self.mib, format: "fat32")
            var (sizes, vols) = try await volumes(def)
            try expectMatchesParted(image, vols, prefix: name)
            #expect(sizes.capacity == 64 * Self.mib)
            #expect(vols["\(name)1"]?.capacity == p1.sourceExtents[0].extent.end - p1.sourceExtents[0].extent.start)
            #expect(vols["\(name)1"]?.target.path == Scratch.real(image) + "1")

            let e1 = p1.sourceExtents[0].extent
            let e2 = p2.sourceExtents[0].extent
            writeBytes(image, [UInt8](repeating: 0x5A, count: Int(e1.end - e1.start)), at: e1.start)
            writeBytes(image, [UInt8](repeating: 0x77, count: 512), at: e2.start)
            try await backend.wipeVolume(p1, algorithm: .zero, in: def, progress: nil)
            #expect(readBytes(image, at: e1.start, count: Int(e1.end - e1.start)).allSatisfy { $0 == 0 })
            #expect(readBytes(image, at: e2.start, count: 512).allSatisfy { $0 == 0x77 }, "only p1 is wiped")
            #expect(try partedPrint(image).rows.count == 2, "the table survives")

            try await backend.resizeVolume(p2, to: 20 * Self.mib, options: [], in: def)
            try await backend.deleteVolume(p1, in: def)
            (sizes, vols) = try await volumes(def)
            try expectMatchesParted(image, vols, prefix: name)
            #expect(vols.keys.sorted() == ["\(name)2"])
            #expect((vols["\(name)2"]?.capacity ?? 0) >= 20 * Self.mib)

            // pool-delete clears the label (first and last MiB), as libvirt's.
            try await backend.delete(def, zeroed: false)
            #expect(try partedPrint(image).rows.isEmpty)
            let gone = await #expect(throws: StorageError.self) { try await backend.start(def) }
            #expect(gone?.message.contains("requires build") == true, "\(String(describing: gone))")
        }

        /// Defines, builds (a dos label) and starts a disk pool on `loop`.
        static func startDiskPool(_ name: String, on loop: LoopDevice, in host: StorageHost) async throws {
            try await host.define(
                xml: """
                    <pool type='disk'><name>\(name)</name><source><device path='\(loop.device)'/></source>
                    <target><path>/dev</path></target></pool>
                    """)
            try await host.build(name)
            try await host.start(name)
        }

        @Test func throughTheStorageHost() async throws {
            let scratch = Scratch("disk-host")
            let loop = try LoopDevice("host", sizeMiB: 64, in: scratch)
            let base = String(loop.device.dropFirst("/dev/".count)) + "p"
            let host = try await StorageHost(
                directories: .root(scratch.sub("root")), backends: BackendRegistry(DiskBackends.all))
            try await Self.startDiskPool("d", on: loop, in: host)
            #expect(try await host.pool(named: "d").state == .running)
            let vol = try await host.createVolume(
                in: "d", xml: "<volume><name>\(base)1</name><capacity unit='M'>10</capacity></volume>")
            #expect(vol.definition.target.path == "/dev/\(base)1")
            try await host.createVolume(
                in: "d", xml: "<volume><name>\(base)2</name><capacity unit='M'>10</capacity></volume>")
            #expect(try await host.volumes(in: "d").map(\.name) == ["\(base)1", "\(base)2"])
            let xml = try await host.xml("d")
            #expect(xml.contains("<format type='dos'/>"))
            #expect(xml.contains("<freeExtent start="))
            let poolAfterCreate = try await host.pool(named: "d").definition
            #expect(poolAfterCreate.allocation >= 20 * Self.mib, "the host re-read the pool after the create")
            try await host.deleteVolume("\(base)1", in: "d")
            #expect(try await host.volumes(in: "d").map(\.name) == ["\(base)2"])
            #expect(try partedPrint(loop.device).rows.map(\.number) == [2])
            try await host.destroy("d")
        }
    }

    extension DiskBackendTests {
        /// vol-create-from into a partition (the disk backend has no copy of
        /// its own: the bytes go through both backends' VolumeData) and back
        /// out into a dir pool, bytes compared.
        @Test func createFromIntoAPartitionAndBack() async throws {
            let scratch = Scratch("disk-copy")
            let loop = try LoopDevice("copy", sizeMiB: 32, in: scratch)
            let base = String(loop.device.dropFirst("/dev/".count)) + "p"
            let host = try await StorageHost(
                directories: .root(scratch.sub("root")), backends: BackendRegistry(DiskBackends.all + [DirBackend()]))
            try await Self.startDiskPool("d", on: loop, in: host)
            try await host.define(PoolDefinition(type: .dir, name: "files", target: PoolTarget(path: scratch.sub("files"))))
            try await host.start("files", build: .normal)
            // 4 MiB: a pattern, zeros, a pattern; the partition had other bytes before.
            let seed = scratch.sub("files/seed.raw")
            var bytes = (0..<(4 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 3) }
            bytes.replaceSubrange((1 << 20)..<(3 << 20), with: [UInt8](repeating: 0, count: 2 << 20))
            try Data(bytes).write(to: URL(fileURLWithPath: seed))
            try await host.refresh("files")
            let part = try await host.createVolume(
                in: "d", xml: "<volume><name>\(base)1</name><capacity unit='M'>8</capacity></volume>")
            let garbage = [UInt8](repeating: 0xa5, count: 8 << 20)
            garbage.withUnsafeBytes { raw in
                let fd = open(part.path!, O_WRONLY)
                defer { close(fd) }
                #expect(pwrite(fd, raw.baseAddress, raw.count, 0) == raw.count)
            }
            try await host.deleteVolume(part.name, in: "d")

            let copied = try await host.createVolume(
                VolumeDefinition(name: "\(base)1"), in: "d", from: try await host.volume("seed.raw", in: "files"))
            var onDisk = [UInt8](repeating: 0, count: 4 << 20)
            let fd = open(copied.path!, O_RDONLY)
            #expect(onDisk.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) } == onDisk.count)
            close(fd)
            #expect(onDisk == bytes, "the zeros were written over what the partition held")
            let back = try await host.createVolume(
                VolumeDefinition(name: "back.raw", format: .raw), in: "files", from: copied)
            let backBytes = try Data(contentsOf: URL(fileURLWithPath: back.path!))
            #expect(backBytes.count == Int(copied.capacity) && Array(backBytes.prefix(4 << 20)) == bytes)
            try await host.destroy("d")
        }
    }

    extension Scratch {
        static func real(_ path: String) -> String {
            guard let resolved = realpath(path, nil) else { return path }
            defer { free(resolved) }
            return String(cString: resolved)
        }
    }
#endif

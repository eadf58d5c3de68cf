import Foundation
import Testing
import VirtStorage
import VirtStorageMultipath
import VirtStorageTestSupport

/// dm tables recorded on real machines, as `dmsetup table` prints them.
enum DeviceMapperRecordedTables {
    /// A multipath map with one path, /dev/mapper/mpatha -> ../dm-2 (Bart Van
    /// Assche's `dmsetup table mpatha` on linux-block, June 2025).
    static let mpatha = "mpatha: 0 65536 multipath 1 queue_if_no_path 1 alua 1 1 service-time 0 1 2 8:32 1 1\n"
    static let mpathaMinors: [String: UInt32] = ["mpatha": 2]
    /// Fedora Core 4's LVM volumes, all linear (Felipe Alfaro Solana's
    /// `dmsetup table` and `dmsetup info -c` on linux-kernel, July 2005).
    static let volGroup00 = """
        VolGroup00-Home: 0 190414848 linear 3:2 42008960
        VolGroup00-Swap: 0 1048576 linear 3:2 40960384
        VolGroup00-Root: 0 40960000 linear 3:2 384

        """
    static let volGroup00Minors: [String: UInt32] = ["VolGroup00-Home": 2, "VolGroup00-Swap": 1, "VolGroup00-Root": 0]
}

/// mpath pools: recorded dm tables through the backend's own refresh, and
/// the real libdevmapper on this kernel, which has no device-mapper.
@Suite("mpath pools")
struct MultipathBackendTests {
    typealias Tables = DeviceMapperRecordedTables

    static let pool = PoolDefinition(type: .mpath, name: "mpath")

    @Test("recordedDMTable: multipath maps are volumes dm-MINOR at /dev/mapper/NAME; linear maps are not")
    func recordedDMTableVolumes() async throws {
        // The two recordings come from two machines; together they are one host's list.
        let source = DeviceMapperTableText(
            table: Tables.volGroup00 + Tables.mpatha,
            minors: Tables.volGroup00Minors.merging(Tables.mpathaMinors) { $1 })
        let devices = try source.devices()
        #expect(devices.map(\.name) == ["VolGroup00-Home", "VolGroup00-Swap", "VolGroup00-Root", "mpatha"])
        #expect(devices.last?.targets.first?.parameters == "1 queue_if_no_path 1 alua 1 1 service-time 0 1 2 8:32 1 1")
        let (sizes, volumes) = try await MultipathBackend(source: source).refresh(Self.pool)
        #expect(volumes.map(\.name) == ["dm-2"])
        let volume = try #require(volumes.first)
        #expect(volume.target.path == "/dev/mapper/mpatha" && volume.key == "/dev/mapper/mpatha")
        #expect(volume.type == .block)
        #expect(volume.capacity == 65536 * 512 && volume.allocation == 65536 * 512 && volume.physical == 65536 * 512)
        #expect(sizes == PoolSizes(capacity: 65536 * 512, allocation: 65536 * 512, available: 0))
        // Only linear maps: an empty pool.
        let lvm = DeviceMapperTableText(table: Tables.volGroup00, minors: Tables.volGroup00Minors)
        #expect(try await MultipathBackend(source: lvm).refresh(Self.pool).1.isEmpty)
    }

    @Test("recordedDMTable: a table line that is not START LENGTH TYPE is an error naming it")
    func recordedDMTableMalformed() {
        for table in ["mpatha 0 65536 multipath\n", "mpatha: zero 65536 multipath\n", "mpatha: 0 65536\n"] {
            #expect(throws: StorageError.self, "\(table)") {
                try DeviceMapperTableText(table: table, minors: Tables.mpathaMinors).devices()
            }
        }
        #expect(throws: StorageError.self) { try DeviceMapperTableText(table: Tables.mpatha, minors: [:]).devices() }
    }

    @Test("recordedDMTable: a StorageHost runs libvirt's pool-mpath.xml on recorded tables")
    func recordedDMTableThroughHost() async throws {
        let scratch = Scratch("mpath-host")
        var registry = BackendRegistry.builtIn
        registry.register(
            MultipathBackend(source: DeviceMapperTableText(table: Tables.mpatha, minors: Tables.mpathaMinors)))
        let host = try await StorageHost(directories: .root(scratch.sub("root")), backends: registry)
        try await host.define(
            xml: """
                <pool type="mpath">
                  <name>mpath</name>
                  <uuid>e9392370-2917-565e-692b-d057f46512d6</uuid>
                  <target>
                    <path>/dev/mapper</path>
                  </target>
                </pool>
                """)
        try await host.start("mpath")
        #expect(try await host.volumes(in: "mpath").map(\.name) == ["dm-2"])
        #expect(try await host.volume(path: "/dev/mapper/mpatha").name == "dm-2")
        try await host.destroy("mpath")
    }

    #if DeviceMapper
        @Test("libdevmapper on this kernel: without device-mapper, refresh fails and says why")
        func liveLibdevmapper() async throws {
            let backend = try #require(MultipathBackends.all.first as? MultipathBackend)
            #expect(backend.type == .mpath)
            let misc = (try? String(contentsOfFile: "/proc/misc", encoding: .utf8)) ?? ""
            if misc.contains("device-mapper") {
                // A kernel with device-mapper: the live list works, whatever it holds.
                _ = try await backend.refresh(Self.pool)
            } else {
                let error = await #expect(throws: StorageError.self) { try await backend.refresh(Self.pool) }
                #expect(
                    error?.message.contains("this kernel has no device-mapper driver") == true,
                    "\(String(describing: error))")
                #expect(error?.message.hasPrefix("cannot list the device-mapper devices") == true)
                // libdevmapper's own words end up in the error, not on stderr.
                #expect(error?.message.contains("libdevmapper: /dev/mapper/control: open failed") == true)
            }
        }
    #endif
}

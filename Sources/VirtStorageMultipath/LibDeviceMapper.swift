#if DeviceMapper
    import CDeviceMapper
    import Foundation
    import Synchronization
    import VirtStorage

    /// The host's device-mapper devices through libdevmapper: DM_DEVICE_LIST
    /// for the names, then DM_DEVICE_INFO and DM_DEVICE_TABLE of each, as
    /// libvirt's mpath backend asks. These are quick ioctls on
    /// /dev/mapper/control, made on the caller's thread.
    public struct LibDeviceMapper: DeviceMapperSource {
        public init() {}

        /// One listing at a time: libdevmapper's log function is process-wide.
        private static let serial = Mutex(())
        /// libdevmapper's error messages during the current listing, for our error.
        private static let messages = Mutex<[String]>([])

        /// Every device-mapper device with its table; libdevmapper's own
        /// messages go into the error instead of stderr.
        public func devices() throws(StorageError) -> [DeviceMapperDevice] {
            try DeviceMapperLibrary.load()
            return try Self.serial.withLock { _ throws(StorageError) -> [DeviceMapperDevice] in
                Self.messages.withLock { $0 = [] }
                vs_dm_set_log_sink(devmapper.dm_log_with_errno_init) { level, message in
                    // Levels up to 4 are fatal (2), error (3) and warning (4); the rest is chatter.
                    guard let message, level & 7 <= 4 else { return }
                    LibDeviceMapper.messages.withLock { $0.append(String(cString: message)) }
                }
                defer { vs_dm_set_log_sink(devmapper.dm_log_with_errno_init, nil) }
                return try listDevices()
            }
        }

        private func listDevices() throws(StorageError) -> [DeviceMapperDevice] {
            let list = try DMTask(DM_DEVICE_LIST, "list the device-mapper devices")
            defer { list.destroy() }
            guard let first = devmapper.dm_task_get_names(list.handle) else {
                throw StorageError(.operationFailed, "libdevmapper returned no device list")
            }
            var devices: [DeviceMapperDevice] = []
            var names = UnsafeRawPointer(first)
            guard first.pointee.dev != 0 else { return [] }  // no devices
            while true {
                // struct dm_names { uint64_t dev; uint32_t next; char name[]; }
                let next = names.load(fromByteOffset: 8, as: UInt32.self)
                let name = String(cString: (names + 12).assumingMemoryBound(to: CChar.self))
                devices.append(try device(name))
                guard next != 0 else { break }
                names += Int(next)
            }
            return devices
        }

        /// The device numbers and table of one device.
        func device(_ name: String) throws(StorageError) -> DeviceMapperDevice {
            let info = try DMTask(DM_DEVICE_INFO, "read device-mapper device '\(name)'", name: name)
            defer { info.destroy() }
            var dmInfo = dm_info()
            guard devmapper.dm_task_get_info(info.handle, &dmInfo) != 0, dmInfo.exists != 0 else {
                throw StorageError(.internalError, "Failed to get \(name) minor number", value: name)
            }
            let table = try DMTask(DM_DEVICE_TABLE, "read the table of device-mapper device '\(name)'", name: name)
            defer { table.destroy() }
            var targets: [DeviceMapperTarget] = []
            var next: UnsafeMutableRawPointer? = nil
            repeat {
                var start: UInt64 = 0
                var length: UInt64 = 0
                var type: UnsafeMutablePointer<CChar>? = nil
                var params: UnsafeMutablePointer<CChar>? = nil
                next = devmapper.dm_get_next_target(table.handle, next, &start, &length, &type, &params)
                if let type {
                    targets.append(
                        DeviceMapperTarget(
                            start: start, length: length, type: String(cString: type),
                            parameters: params.map { String(cString: $0) } ?? ""))
                }
            } while next != nil
            return DeviceMapperDevice(name: name, minor: dmInfo.minor, targets: targets)
        }

        /// One dm_task, run; freed by `destroy`.
        struct DMTask {
            let handle: OpaquePointer

            init(_ type: Int, _ what: String, name: String? = nil) throws(StorageError) {
                // libdevmapper checks the kernel driver's version here already.
                guard let handle = devmapper.dm_task_create(Int32(type)) else { throw LibDeviceMapper.failure(what) }
                self.handle = handle
                if let name, devmapper.dm_task_set_name(handle, name) == 0 {
                    devmapper.dm_task_destroy(handle)
                    throw StorageError(.operationFailed, "cannot \(what): invalid name", value: name)
                }
                _ = devmapper.dm_task_no_open_count(handle)
                guard devmapper.dm_task_run(handle) != 0 else {
                    devmapper.dm_task_destroy(handle)
                    throw LibDeviceMapper.failure(what)
                }
            }

            func destroy() { devmapper.dm_task_destroy(handle) }
        }

        /// Why a task failed: most often the kernel has no device-mapper driver.
        static func failure(_ what: String) -> StorageError {
            let said = messages.withLock { $0 }
            let library = said.isEmpty ? "" : " (libdevmapper: \(said.joined(separator: "; ")))"
            let misc = (try? String(contentsOfFile: "/proc/misc", encoding: .utf8)) ?? ""
            if !misc.contains("device-mapper") {
                return StorageError(
                    .operationFailed,
                    "cannot \(what): this kernel has no device-mapper driver ('device-mapper' is missing from /proc/misc), so there are no multipath devices; load the dm_multipath module or use a kernel with device-mapper"
                        + library)
            }
            return StorageError(
                .operationFailed,
                "cannot \(what): libdevmapper could not talk to the kernel's device-mapper driver through /dev/mapper/control (are you root?)"
                    + library)
        }
    }
#endif

#if DeviceMapper
    import CDeviceMapper
    import VirtStorage

    /// libdevmapper, opened when the first mpath pool lists its devices (see
    /// `NativeLibrary`): a process without mpath pools never maps it.
    public enum DeviceMapperLibrary {
        static let loaded = NativeLibrary.load(
            "libdevmapper.so.1.02.1", package: "libdevmapper1.02.1", for: "mpath pools",
            resolve: vs_devmapper_api_resolve)

        /// Opens the library unless it is open; throws why it cannot be.
        public static func load() throws(StorageError) { _ = try loaded.get() }

        public static var version: String {
            get throws(StorageError) {
                try load()
                var buffer = [CChar](repeating: 0, count: 128)
                guard devmapper.dm_get_library_version(&buffer, buffer.count) != 0 else { return "unknown" }
                return buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
            }
        }
    }

    /// libdevmapper's entry points. Every caller was reached through
    /// `DeviceMapperLibrary.load()`, which succeeded first.
    let devmapper = NativeLibrary.table(DeviceMapperLibrary.loaded, of: "libdevmapper")
#endif

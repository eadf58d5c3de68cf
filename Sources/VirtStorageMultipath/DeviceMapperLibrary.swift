#if DeviceMapper
    import CDeviceMapper

    /// The libdevmapper linked into this process.
    public enum DeviceMapperLibrary {
        public static var version: String {
            var buffer = [CChar](repeating: 0, count: 128)
            guard dm_get_library_version(&buffer, buffer.count) != 0 else { return "unknown" }
            return buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        }
    }
#endif

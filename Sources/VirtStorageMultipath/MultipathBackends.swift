import VirtStorage

/// The backends this module adds to a host: mpath through libdevmapper when
/// built with the DeviceMapper trait.
public enum MultipathBackends {
    public static var all: [any StorageBackend] {
        #if DeviceMapper
            [MultipathBackend(source: LibDeviceMapper())]
        #else
            []
        #endif
    }
}

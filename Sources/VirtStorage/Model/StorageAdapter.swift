/// A PCI address (<address domain bus slot function>).
public struct PCIAddress: Sendable, Equatable, Hashable, Codable {
    public var domain: UInt32
    public var bus: UInt32
    public var slot: UInt32
    public var function: UInt32

    public init(domain: UInt32, bus: UInt32, slot: UInt32, function: UInt32) {
        self.domain = domain
        self.bus = bus
        self.slot = slot
        self.function = function
    }
}

/// The SCSI host adapter of a scsi pool (<source><adapter>).
public enum StorageAdapter: Sendable, Equatable, Hashable, Codable {
    /// A SCSI host, named ("host0") or found by its parent PCI address and unique_id.
    case scsiHost(SCSIHost)
    /// A Fibre Channel vHBA, identified by its WWNN/WWPN.
    case fcHost(FCHost)

    public struct SCSIHost: Sendable, Equatable, Hashable, Codable {
        public var name: String?
        public var parentAddress: PCIAddress?
        public var uniqueID: Int32?

        public init(name: String? = nil, parentAddress: PCIAddress? = nil, uniqueID: Int32? = nil) {
            self.name = name
            self.parentAddress = parentAddress
            self.uniqueID = uniqueID
        }
    }

    public struct FCHost: Sendable, Equatable, Hashable, Codable {
        public var parent: String?
        public var parentWWNN: String?
        public var parentWWPN: String?
        public var parentFabricWWN: String?
        /// Whether libvirt created the vHBA and should delete it; nil = not said.
        public var managed: Bool?
        public var wwnn: String
        public var wwpn: String

        public init(
            parent: String? = nil, parentWWNN: String? = nil, parentWWPN: String? = nil,
            parentFabricWWN: String? = nil, managed: Bool? = nil, wwnn: String, wwpn: String
        ) {
            self.parent = parent
            self.parentWWNN = parentWWNN
            self.parentWWPN = parentWWPN
            self.parentFabricWWN = parentFabricWWN
            self.managed = managed
            self.wwnn = wwnn
            self.wwpn = wwpn
        }
    }
}

/// Volume encryption (<encryption format>), libvirt's formatstorageencryption.
public struct VolumeEncryption: Sendable, Equatable, Hashable, Codable {
    public struct Secret: Sendable, Equatable, Hashable, Codable {
        /// Always "passphrase" in libvirt 9.0.
        public var type: String
        public var reference: SecretReference

        public init(type: String = "passphrase", reference: SecretReference) {
            self.type = type
            self.reference = reference
        }
    }

    public struct Cipher: Sendable, Equatable, Hashable, Codable {
        public var name: String
        public var size: UInt32
        public var mode: String?
        public var hash: String?

        public init(name: String, size: UInt32, mode: String? = nil, hash: String? = nil) {
            self.name = name
            self.size = size
            self.mode = mode
            self.hash = hash
        }
    }

    public struct IVGenerator: Sendable, Equatable, Hashable, Codable {
        public var name: String
        public var hash: String?

        public init(name: String, hash: String? = nil) {
            self.name = name
            self.hash = hash
        }
    }

    /// "default", "qcow" or "luks" (and the later "luks2", "luks-any").
    public var format: String
    public var secrets: [Secret]
    public var cipher: Cipher?
    public var ivgen: IVGenerator?
    /// <encryption engine='...'>, kept as written.
    public var engine: String?

    public init(
        format: String, secrets: [Secret] = [], cipher: Cipher? = nil, ivgen: IVGenerator? = nil,
        engine: String? = nil
    ) {
        self.format = format
        self.secrets = secrets
        self.cipher = cipher
        self.ivgen = ivgen
        self.engine = engine
    }
}

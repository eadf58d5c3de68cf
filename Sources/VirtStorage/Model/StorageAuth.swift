/// How a secret is looked up: by UUID or by usage name.
public enum SecretReference: Sendable, Equatable, Hashable, Codable {
    case uuid(String)
    case usage(String)
}

/// Authentication for iSCSI (CHAP) and RBD (cephx) pools. The secret value
/// itself never appears here, only the reference to it.
public struct StorageAuth: Sendable, Equatable, Hashable, Codable {
    public enum AuthType: String, Sendable, Codable, Hashable, CaseIterable {
        case chap, ceph
    }

    public var type: AuthType
    public var username: String
    public var secret: SecretReference
    /// The <secret type='...'> attribute, kept as written.
    public var secretType: String?

    public init(type: AuthType, username: String, secret: SecretReference, secretType: String? = nil) {
        self.type = type
        self.username = username
        self.secret = secret
        self.secretType = secretType
    }
}

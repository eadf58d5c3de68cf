import Logging

/// What a host gives every backend it serves (``StorageBackend/configured(with:)``):
/// where the secrets named by a pool's `<auth>` come from, and where the
/// backend and its C library log. A backend holds it as a value; nothing is
/// set into it afterwards.
public struct BackendEnvironment: Sendable {
    /// Pool secrets (cephx keys, CHAP passwords); nil when the host has none.
    public var secrets: (any SecretStore)?
    public var logger: Logger

    public init(secrets: (any SecretStore)? = nil, logger: Logger = StorageHost.silentLogger) {
        self.secrets = secrets
        self.logger = logger
    }

    /// This environment as a host hands it on: the host's logger, and its
    /// secret store unless it has none (then the backend keeps its own).
    public func merging(_ host: BackendEnvironment) -> BackendEnvironment {
        BackendEnvironment(secrets: host.secrets ?? secrets, logger: host.logger)
    }

    /// The value of the secret `auth` names, for a pool that authenticates
    /// with `scheme` ("cephx", "CHAP"): one lookup, one error for every backend.
    public func secret(_ auth: StorageAuth, of pool: PoolDefinition, scheme: String) async throws(StorageError)
        -> [UInt8]
    {
        guard let secrets else {
            throw StorageError(
                .operationInvalid,
                "storage pool '\(pool.name)' uses \(scheme) authentication, but no secret store was given",
                value: pool.name, hint: "open the host with StorageHost(secrets:), or give the backend one")
        }
        return try await secrets.value(for: auth.secret)
    }
}

import Foundation
import Synchronization

/// A connection to a pool's cluster that knows what it was made from.
public protocol PoolConnection: AnyObject, Sendable {
    /// What the connection was made from (never a secret), so that a changed
    /// definition gets a new connection.
    var signature: String { get }
}

/// One cached connection per active pool, for backends whose connections are
/// slow to make or to close (librados, libgfapi). Jobs hold the connection
/// they got; dropping it from the cache closes it when the last one ends.
public final class PoolConnectionCache<Connection: PoolConnection>: Sendable {
    private let connections = Mutex<[UUID: Connection]>([:])

    public init() {}

    /// The pool's connection, made by `connect` if there is none or the
    /// definition changed. Two callers racing both connect; the first kept wins.
    public func connection(
        for pool: PoolDefinition, signature: String,
        connect: () async throws(StorageError) -> Connection
    ) async throws(StorageError) -> Connection {
        if let existing = connections.withLock({ $0[pool.uuid] }), existing.signature == signature {
            return existing
        }
        let fresh = try await connect()
        return connections.withLock { connections in
            if let existing = connections[pool.uuid], existing.signature == signature { return existing }
            connections[pool.uuid] = fresh
            return fresh
        }
    }

    /// Forgets the pool's connection (pool stop).
    public func drop(_ pool: PoolDefinition) {
        _ = connections.withLock { $0.removeValue(forKey: pool.uuid) }
    }

    /// Forgets the pool's connection and closes it before returning: jobs
    /// that still hold it end first (up to `patience`), then the last
    /// reference goes here. A process about to exit calls this so that no
    /// native library thread is still winding down while it exits.
    public func close(_ pool: PoolDefinition, patience: Duration = .seconds(5)) async {
        var connection: Connection? = connections.withLock { $0.removeValue(forKey: pool.uuid) }
        guard connection != nil else { return }
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: patience)
        while !isKnownUniquelyReferenced(&connection), clock.now < deadline {
            try? await Task.sleep(for: .milliseconds(2))
        }
        connection = nil
    }

    /// Forgets `connection` if it is still the pool's (after it failed).
    public func drop(_ connection: Connection, of pool: PoolDefinition) {
        connections.withLock { connections in
            if connections[pool.uuid] === connection { connections[pool.uuid] = nil }
        }
    }
}

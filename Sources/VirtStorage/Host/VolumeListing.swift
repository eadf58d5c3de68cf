/// An active pool's volumes in the order virsh lists them (names compared
/// without regard to ASCII case, as C's strcasecmp), as
/// ``StorageHost/volumeListing(in:)`` found them. Each ``StorageVolume`` is
/// decoded from the pool's compact ``VolumeTable`` when it is read, so that a
/// listing of a million volumes holds the table and one position per
/// volume, not a million definitions; iterate it once rather than keep an
/// array of it where the pool is large.
///
/// ```swift
/// for volume in try await host.volumeListing(in: "images") where volume.capacity > 100 << 30 {
///     print(volume.name)
/// }
/// ```
public struct VolumeListing: RandomAccessCollection, Sendable {
    public let pool: String
    public let poolType: PoolType
    private let table: VolumeTable
    private let order: [Int32]

    init(pool: String, poolType: PoolType, table: VolumeTable) {
        self.pool = pool
        self.poolType = poolType
        self.table = table
        order = table.positionsByName()
    }

    public var startIndex: Int { 0 }
    public var endIndex: Int { order.count }

    public subscript(i: Int) -> StorageVolume {
        StorageVolume(pool: pool, poolType: poolType, definition: table.definition(at: Int(order[i])))
    }

    /// The name of the `i`th volume, without the rest of it.
    public func name(at i: Int) -> String { table.name(at: Int(order[i])) }
}

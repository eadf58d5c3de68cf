/// A pool's volumes by name, kept compact for pools of many volumes: the
/// definitions in one array, and a dictionary of positions by name beside
/// it. A dictionary of definitions would hold each 320-byte definition in a
/// bucket array of twice the count or more; here the array holds them once,
/// and a refresh's listing becomes the table without being copied.
public struct VolumeTable: Sendable {
    private var definitions: [VolumeDefinition] = []
    private var positions: [String: Int] = [:]

    public init() {}

    /// The table of `volumes`; of two with one name, the later one stays.
    public init(_ volumes: [VolumeDefinition]) {
        positions.reserveCapacity(volumes.count)
        var duplicated = false
        for i in volumes.indices where positions.updateValue(i, forKey: volumes[i].name) != nil { duplicated = true }
        guard duplicated else {
            definitions = volumes
            return
        }
        // Rare: a listing names each volume once.
        definitions = positions.values.sorted().map { volumes[$0] }
        positions = [:]
        for i in definitions.indices { positions[definitions[i].name] = i }
    }

    public var count: Int { definitions.count }
    public var isEmpty: Bool { definitions.isEmpty }

    /// The volumes, in no particular order.
    public var values: [VolumeDefinition] { definitions }

    /// The volumes' names, in no particular order.
    public var names: Dictionary<String, Int>.Keys { positions.keys }

    public subscript(name: String) -> VolumeDefinition? {
        positions[name].map { definitions[$0] }
    }

    /// Puts `volume` under its name; returns the definition it replaced.
    @discardableResult
    public mutating func updateValue(_ volume: VolumeDefinition) -> VolumeDefinition? {
        if let i = positions[volume.name] {
            let old = definitions[i]
            definitions[i] = volume
            return old
        }
        positions[volume.name] = definitions.count
        definitions.append(volume)
        return nil
    }

    /// Removes the volume `name`; returns it.
    @discardableResult
    public mutating func removeValue(named name: String) -> VolumeDefinition? {
        guard let i = positions[name] else { return nil }
        return removeAt(i)
    }

    /// Moves the last definition into the gap, so that a removal costs the same at any size.
    private mutating func removeAt(_ i: Int) -> VolumeDefinition {
        let removed = definitions[i]
        positions[removed.name] = nil
        let last = definitions.count - 1
        if i != last {
            definitions.swapAt(i, last)
            positions[definitions[i].name] = i
        }
        definitions.removeLast()
        return removed
    }
}

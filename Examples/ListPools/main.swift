// Lists the pools of a storage host and the volumes of the active ones.
// Usage: ListPools [ROOT]   (ROOT as for virt-storage --root; default: this user's host)
import Foundation
import VirtStorage

let arguments = CommandLine.arguments
let directories: StorageHostDirectories = arguments.count > 1 ? .root(arguments[1]) : .default
do {
    let host = try await StorageHost(directories: directories)
    for pool in await host.pools() {
        print("\(pool.name) (\(pool.type.rawValue), \(pool.state.rawValue))")
        guard pool.isActive else { continue }
        for volume in try await host.volumes(in: pool.name) {
            let d = volume.definition
            print("  \(volume.name)  \(d.target.format ?? "-")  \(d.capacity) bytes, \(d.allocation) allocated")
        }
    }
} catch {
    print("error: \(error)")
    exit(1)
}

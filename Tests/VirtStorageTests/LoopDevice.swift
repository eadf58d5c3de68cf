import Foundation

@testable import VirtStorage

/// A sparse image file attached to a loop device, detached when the test ends.
final class LoopDevice: @unchecked Sendable {
    let image: String
    let device: String

    /// Root, losetup and /dev/loop-control: what every loop-device test needs.
    static var available: Bool {
        getuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/sbin/losetup")
            && FileManager.default.fileExists(atPath: "/dev/loop-control")
    }

    init(_ label: String, sizeMiB: Int, in scratch: Scratch) throws {
        image = scratch.sub("\(label).img")
        _ = try Scratch.run("/usr/bin/truncate", ["-s", "\(sizeMiB)M", image])
        let (status, out) = try Scratch.run("/usr/sbin/losetup", ["-f", "--show", image])
        guard status == 0 else { throw StorageError(.operationFailed, "losetup: \(out)") }
        device = out.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    deinit { _ = try? Scratch.run("/usr/sbin/losetup", ["-d", device]) }
}

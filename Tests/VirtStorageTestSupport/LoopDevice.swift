import Foundation
import VirtStorage

/// A sparse image file attached to a loop device, detached when the test ends
/// (also when it fails; the kernel's partition nodes go with it). Anything
/// listed in `mounts` is unmounted first.
public final class LoopDevice: @unchecked Sendable {
    public let image: String
    public let device: String
    public var mounts: [String] = []

    /// Root, losetup and /dev/loop-control: what every loop-device test needs.
    public static var available: Bool {
        getuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/sbin/losetup")
            && FileManager.default.fileExists(atPath: "/dev/loop-control")
    }

    public init(_ label: String, sizeMiB: Int, in scratch: Scratch) throws {
        image = scratch.sub("\(label).img")
        _ = try Scratch.run("/usr/bin/truncate", ["-s", "\(sizeMiB)M", image])
        let (status, out) = try Scratch.run("/usr/sbin/losetup", ["-f", "--show", image])
        guard status == 0 else { throw StorageError(.operationFailed, "losetup: \(out)") }
        device = out.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    deinit {
        for mount in mounts.reversed() { _ = try? Scratch.run("/usr/bin/umount", [mount]) }
        _ = try? Scratch.run("/usr/sbin/losetup", ["-d", device])
    }
}

// Uploads an image file into a new volume of a scratch dir pool, showing
// progress, then reads it back as an async stream of chunks (holes as holes).
// Usage: UploadWithProgress IMAGE
import Foundation
import VirtStorage

guard CommandLine.arguments.count > 1 else {
    print("usage: UploadWithProgress IMAGE")
    exit(2)
}
let image = CommandLine.arguments[1]
let scratch = NSTemporaryDirectory() + "virtstorage-upload-\(getpid())"
defer { try? FileManager.default.removeItem(atPath: scratch) }
do {
    let size = (try FileManager.default.attributesOfItem(atPath: image)[.size] as? NSNumber)?.uint64Value ?? 0
    let host = try await StorageHost(directories: .root(scratch + "/root"))
    try await host.create(
        xml: "<pool type='dir'><name>up</name><target><path>\(scratch)/pool</path></target></pool>", build: .normal)
    try await host.createVolume(
        in: "up", xml: "<volume><name>disk.img</name><capacity>\(size)</capacity><allocation>0</allocation></volume>")
    try await host.uploadVolume("disk.img", in: "up", from: image, sparse: true) { done, total in
        print("\rupload: \(done * 100 / max(total, 1))%", terminator: "")
    }
    print()
    var data: UInt64 = 0
    var holes: UInt64 = 0
    for try await chunk in try await host.readVolume("disk.img", in: "up", sparse: true) {
        switch chunk {
        case .data(let bytes): data += UInt64(bytes.count)
        case .hole(let length): holes += length
        }
    }
    print("read back: \(data) bytes of data, \(holes) bytes of holes")
    try await host.destroy("up")
} catch {
    print("error: \(error)")
    exit(1)
}

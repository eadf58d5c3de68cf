// Defines, builds and starts a directory pool on a host kept in a scratch
// directory, creates a qcow2 volume backed by a base image, prints the XML
// libvirt would show for them, and cleans up. Usage: DefineDirPool [DIR]
import Foundation
import VirtStorage

let scratch =
    CommandLine.arguments.count > 1
    ? CommandLine.arguments[1] : NSTemporaryDirectory() + "virtstorage-define-\(getpid())"
defer { try? FileManager.default.removeItem(atPath: scratch) }

do {
    // A pool is a value: fill in what you need, the rules table does the rest.
    let definition = PoolDefinition(
        type: .dir, name: "images",
        target: PoolTarget(path: scratch + "/images", permissions: Permissions(mode: 0o711)))
    // Reading XML gives the same value back, with libvirt's defaults applied.
    let reread = try PoolXML.parse(PoolXML.format(definition))
    precondition(reread == definition)

    // The host keeps images.xml under scratch/root/etc/storage, as libvirt would.
    let host = try await StorageHost(directories: .root(scratch + "/root"))
    try await host.define(definition)
    try await host.build("images")
    try await host.start("images")

    // A 1 GiB raw base, then a 20 GiB qcow2 (compat 1.1, lazy refcounts) on top of it.
    try await host.createVolume(
        in: "images", xml: "<volume><name>base.raw</name><capacity unit='GiB'>1</capacity></volume>")
    let top = try await host.createVolume(
        in: "images",
        xml: """
            <volume>
              <name>vm1.qcow2</name>
              <capacity unit='GiB'>20</capacity>
              <target><format type='qcow2'/><compat>1.1</compat><features><lazy_refcounts/></features></target>
              <backingStore><path>\(scratch)/images/base.raw</path><format type='raw'/></backingStore>
            </volume>
            """)
    print(try await host.xml("images"))
    print(top.xml)

    // pool-delete removes only an empty directory, as libvirt's does.
    try await host.deleteVolume("vm1.qcow2", in: "images")
    try await host.deleteVolume("base.raw", in: "images")
    try await host.destroy("images")
    try await host.delete("images")
    try await host.undefine("images")
} catch {
    print("error: \(error)")
    exit(1)
}

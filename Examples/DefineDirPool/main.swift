// Builds a directory pool and a qcow2 volume in Swift, prints the XML libvirt
// would store for them, and the qemu-img command that would create the volume.
import VirtStorage

do {
    // A pool is a value: fill in what you need, the rules table does the rest.
    let pool = PoolDefinition(
        type: .dir, name: "images",
        target: PoolTarget(path: "/var/lib/virtstorage/images", permissions: Permissions(mode: 0o711)))
    print(PoolXML.format(pool))

    // Reading XML gives the same value back, with libvirt's defaults applied.
    let reread = try PoolXML.parse(PoolXML.format(pool))
    precondition(reread == pool)

    // A 20 GiB qcow2 volume with lazy refcounts, backed by a base image.
    var volume = VolumeDefinition(
        name: "vm1.qcow2", capacity: try VolumeArguments.size("20G"),
        target: VolumeTarget(path: "/var/lib/virtstorage/images/vm1.qcow2", format: "qcow2"))
    volume.target.compat = "1.1"
    volume.target.features = [.lazyRefcounts]
    volume.backingStore = VolumeTarget(path: "/dev/null", format: "raw")
    print(VolumeXML.format(volume, poolType: pool.type))

    // The exact command libvirt 9.0 would run for it.
    let commands = try QemuImgCommand(volume: .init(volume, in: pool.type)).commands()
    print(Command.render(commands))
} catch {
    print("error: \(error)")
}

import VirtStorageXML

/// The gluster volumes of a host, from `gluster --xml volume info all`, as
/// pool sources for netfs (mounted through FUSE) or gluster (libgfapi) pools.
public enum GlusterVolumeList {
    public static func command(host: String) -> Command {
        Command("gluster", ["--xml", "--log-file=/dev/null", "volume", "info", "all", "--remote-host=\(host)"])
    }

    /// One source per `<volume>`: netfs names it as the mount's dir, gluster as its name.
    public static func parse(_ xml: String, host: String, as type: PoolType) throws(StorageError) -> [PoolSource] {
        let root = try XMLReading.root(of: xml, documentName: "(gluster_cli_output)")
        let volumes = root.firstElement("volInfo")?.firstElement("volumes")?.elements("volume") ?? []
        return try volumes.map { volume throws(StorageError) in
            guard let name = volume.string("name"), !name.isEmpty else {
                throw StorageError(.internalError, "failed to extract gluster volume name", line: volume.line)
            }
            var source = PoolSource()
            source.hosts = [SourceHost(name: host, port: nil)]
            if type == .netfs {
                source.format = "glusterfs"
                source.dir = name
            } else {
                source.dir = "/"
                source.name = name
            }
            return source
        }
    }
}

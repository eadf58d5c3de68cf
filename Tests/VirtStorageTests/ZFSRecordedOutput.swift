@testable import VirtStorage

/// Output of OpenZFS's zpool and zfs tools for the ZFS backend's tests.
///
/// None of this was captured on this machine: its kernel has no ZFS, and
/// zfs-fuse (the only ZFS here) has no zvols and rejects `-p`. Each answer is
/// written to OpenZFS 2.1's documented formats instead:
/// - zfs(8) and zpool(8): `-H` "Scripted mode. Do not display headers, and
///   separate fields by a single tab instead of arbitrary space", `-p`
///   "Display numbers in parsable (exact) values": one line per dataset or
///   property, numbers in bytes, seconds for `creation`.
/// - `zpool get` prints the columns NAME PROPERTY VALUE SOURCE; `zfs list -o`
///   prints the fields asked for, in that order.
/// - The usage of a bare `zfs get` (to standard error, exit status 2) is an
///   excerpt laid out as zfs_main.c's usage() and usage_prop_cb() print it:
///   "\t%-15s " for the property, then the EDIT, INHERIT and VALUES columns.
/// - The sample values follow the examples libvirt's storage_backend_zfs.c
///   gives in its comments (`zpool get -Hp health,size,free,allocated test`).
enum ZFSRecordedOutput {
    typealias Output = CommandRunner.Output

    /// `zpool get -Hp health,size,free,allocated tank` (an ONLINE pool).
    static let poolProperties = Output(
        stdout: """
            tank\thealth\tONLINE\t-
            tank\tsize\t199715979264\t-
            tank\tfree\t198899976704\t-
            tank\tallocated\t816002560\t-

            """)

    /// `zpool get -Hp health,size,free,allocated tank` after its only disk failed.
    static let faultedPoolProperties = Output(
        stdout: """
            tank\thealth\tFAULTED\t-
            tank\tsize\t-\t-
            tank\tfree\t-\t-
            tank\tallocated\t-\t-

            """)

    /// `zfs list -Hp -t volume -r -o name,volsize,refreservation tank`: a full
    /// zvol (refreservation a little above volsize, as zfs reserves for its
    /// metadata), a sparse one (-s: refreservation 0), a sparse one with a
    /// smaller reservation, and a zvol nested in a filesystem dataset.
    static let volumes = Output(
        stdout: """
            tank/vol1\t5368709120\t5370806272
            tank/vol3\t1073741824\t0
            tank/vol4\t1572864000\t524288000
            tank/vms/win/disk0\t10737418240\t0

            """)

    /// `zfs list -Hp -t volume -r -o name,volsize,refreservation tank/vms`.
    static let datasetVolumes = Output(
        stdout: """
            tank/vms/web\t2147483648\t2155872256
            tank/vms/win/disk0\t10737418240\t0

            """)

    /// `zfs list -Hp -t volume -o name,volsize,refreservation tank/new` after
    /// `zfs create -s -o refreservation=1024K -V 10240K tank/new`.
    static let newVolume = Output(stdout: "tank/new\t10485760\t1048576\n")

    /// `zfs list -Hp -t volume -o name,volsize,refreservation tank/copy` of a clone.
    static let clonedVolume = Output(stdout: "tank/copy\t5368709120\t0\n")

    /// `zfs list -H -o name tank/missing`.
    static let noDataset = Output(status: 1, stderr: "cannot open 'tank/missing': dataset does not exist\n")

    /// `zfs list -Hp -t snapshot -d 1 -s createtxg -o name,used,referenced,creation tank/vol1`.
    static let snapshots = Output(
        stdout: """
            tank/vol1@base\t1048576\t4294967296\t1700000000
            tank/vol1@before-upgrade\t0\t4303355904\t1700086400

            """)

    /// Standard error of a bare `zfs get` (exit status 2), excerpt.
    static func zfsGetUsage(volmode: Bool) -> Output {
        var rows = [
            "\tavailable        NO       NO   <size>",
            "\trefreservation  YES       NO   <size> | none",
            "\tused             NO       NO   <size>",
        ]
        if volmode { rows.append("\tvolmode         YES      YES   default | full | geom | dev | none") }
        rows.append("\tvolsize         YES       NO   <size>")
        return Output(
            status: 2,
            stderr: """
                missing property argument
                usage:
                \tget [-rHp] [-d max] [-o "all" | field[,...]]
                \t    [-t type[,...]] [-s source[,...]]
                \t    <"all" | property[,...]> [filesystem|volume|snapshot|bookmark] ...

                The following properties are supported:

                \tPROPERTY       EDIT  INHERIT   VALUES

                \(rows.joined(separator: "\n"))

                """)
    }
}

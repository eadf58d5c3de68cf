@testable import VirtStorage

/// Output of OpenZFS's zpool and zfs tools for the ZFS backend's tests,
/// named by what it shows. All of it is real OpenZFS 2.1.11 output recorded
/// in a Debian guest (``ZFSRecording``; `Scripts/zfs-vm/record.sh`),
/// but for two answers that guest could not give, which say so:
/// a faulted pool, and the usage of a zfs from before the volmode property.
enum ZFSRecordedOutput {
    typealias Output = CommandRunner.Output

    /// `zpool get -Hp health,size,free,allocated tank`: a 512 MiB ONLINE pool.
    static var poolProperties: Output { ZFSRecording.output("pool-properties") }

    /// `zpool get -Hp health,size,free,allocated tank` after its only disk
    /// failed. Not recorded: the guest's zfs hung in the kernel when its
    /// disk was overwritten under it. Written as the recorded ONLINE answer
    /// with zpool(8)'s FAULTED state and `-` for the sizes it cannot read.
    static let faultedPoolProperties = Output(
        stdout: """
            tank\thealth\tFAULTED\t-
            tank\tsize\t-\t-
            tank\tfree\t-\t-
            tank\tallocated\t-\t-

            """)

    /// `zfs list -Hp -t volume -r -o name,volsize,refreservation tank`: a
    /// full zvol (refreservation above volsize, as zfs reserves for its
    /// metadata), a sparse one with a smaller reservation, a clone and a
    /// received zvol (sparse), and zvols nested in a filesystem dataset.
    static var volumes: Output { ZFSRecording.output("list-all-volumes") }

    /// `zfs list -Hp -t volume -r -o name,volsize,refreservation tank/backup`.
    static var datasetVolumes: Output { ZFSRecording.output("list-received") }

    /// `zfs list -Hp -t volume -o name,volsize,refreservation tank/new` after
    /// `zfs create -o volmode=dev -s -o refreservation=1024K -V 10240K tank/new`.
    static var newVolume: Output { ZFSRecording.output("list-sparse") }

    /// `zfs list -Hp -t volume -o name,volsize,refreservation tank/clone1` of a clone.
    static var clonedVolume: Output { ZFSRecording.output("list-clone") }

    /// `zfs list -H -o name tank/missing`.
    static var noDataset: Output { ZFSRecording.output("exists-missing") }

    /// `zfs list -Hp -t snapshot -d 1 -s createtxg -o name,used,referenced,creation tank/vol1`.
    static var snapshots: Output { ZFSRecording.output("list-snapshots") }

    /// Standard error of a bare `zfs get` (exit status 2): its usage and
    /// property table. Without `volmode`, the recorded table with that row
    /// taken out, as zfs before 0.7 (which had no such property) printed it.
    static func zfsGetUsage(volmode: Bool) -> Output {
        var usage = ZFSRecording.output("get-usage")
        if !volmode {
            usage.stderr = usage.stderr.split(separator: "\n", omittingEmptySubsequences: false)
                .filter { !$0.hasPrefix("\tvolmode ") }.joined(separator: "\n")
        }
        return usage
    }
}

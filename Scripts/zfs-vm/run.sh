#!/bin/bash
# Boots a Debian 12 guest with OpenZFS (Debian's zfs-dkms, built for
# Debian's kernel) under qemu's emulator (KVM hangs that kernel under this
# machine's nested virtualisation) and runs a job in it: this machine's
# kernel has no ZFS, so this is where real zfs output is recorded and where virt-storage
# is tried against a real zpool. Not part of the test command: the first
# run installs Debian's kernel, qemu and zfs-dkms (which builds the module)
# and makes the guest, a few minutes; later runs boot in about 10 seconds.
# Run it as root (apt-get, debootstrap, chroot). The guest and its disks
# stay in /var/tmp/virtstorage-zfsvm for the next run; remove it to start over.
#
#   Scripts/zfs-vm/run.sh JOB [SHARE]
#
# JOB is a shell script run as root in the guest, with SHARE (default
# /var/tmp/virtstorage-zfsvm/share) mounted at /share, this checkout (and
# /opt/swift, where it is) mounted read-only at the same paths, and a
# 512 MiB disk /dev/vdb for a zpool. Its output is SHARE/job.log.
# Scripts/zfs-vm/record.sh records the tests' zfs output with it.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
job=$1
vm=/var/tmp/virtstorage-zfsvm
share=${2:-$vm/share}
mkdir -p "$vm" "$share"

if ! ls /boot/vmlinuz-*-amd64 >/dev/null 2>&1 || ! ls /var/lib/dkms/zfs/*/*/x86_64/module/zfs.ko* >/dev/null 2>&1; then
  # zfs-dkms is in Debian's contrib component.
  cat > /etc/apt/sources.list.d/virtstorage-contrib.sources <<SOURCES
Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm
Components: contrib
SOURCES
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q qemu-system-x86 debootstrap \
    linux-image-amd64 linux-headers-amd64 zfs-dkms
fi
kver=$(ls /var/lib/dkms/zfs/*/ | grep -- '-amd64$' | sort -V | tail -1)
root=$vm/root
if [ ! -x "$root/usr/sbin/zfs" ]; then
  debootstrap --variant=minbase --components=main,contrib \
    --include=zfsutils-linux,kmod,udev,util-linux,e2fsprogs,procps bookworm "$root" http://deb.debian.org/debian
fi
# The libraries virt-storage links, so that a debug build runs in the guest too.
if [ -x "$repo/.build/debug/virt-storage" ]; then
  libs=$(ldd "$repo/.build/debug/virt-storage" | awk '/=> \// {print $3}' | grep -v '^/opt/swift' | sed 's|^/lib/|/usr/lib/|' |
    xargs -r dpkg -S 2>/dev/null | cut -d: -f1 | sort -u | grep -v -- '-dev$' || true)
  [ -z "$libs" ] || chroot "$root" apt-get install -y -q $libs > "$vm/guest-libs.log" 2>&1 || true
fi
rm -rf "$root/lib/modules/$kver"
mkdir -p "$root/lib/modules"
cp -a "/lib/modules/$kver" "$root/lib/modules/"
mkdir -p "$root/lib/modules/$kver/updates/dkms"
cp /var/lib/dkms/zfs/*/"$kver"/x86_64/module/*.ko* "$root/lib/modules/$kver/updates/dkms/"
chroot "$root" depmod "$kver"
install -m 755 "$here/guest-init.sh" "$root/sbin/vs-init"
rm -f "$vm/rootfs.img"
truncate -s 4G "$vm/rootfs.img"
mkfs.ext4 -q -F -d "$root" "$vm/rootfs.img"
rm -f "$vm/disk.img"
truncate -s 512M "$vm/disk.img"
swift_share=()
[ -d /opt/swift ] && swift_share=(-virtfs "local,path=/opt/swift,mount_tag=swift,security_model=none,readonly=on")
cp "$job" "$share/job.sh"
rm -f "$share/job.log"
timeout 1800 qemu-system-x86_64 -accel tcg,thread=multi -cpu max -m 4G -smp 2 -nographic -no-reboot \
  -kernel "/boot/vmlinuz-$kver" -initrd "/boot/initrd.img-$kver" \
  -append "root=/dev/vda rw init=/sbin/vs-init console=ttyS0 quiet panic=-1 vs.repo=$repo" \
  -drive "file=$vm/rootfs.img,if=virtio,format=raw" -drive "file=$vm/disk.img,if=virtio,format=raw" \
  -virtfs "local,path=$share,mount_tag=share,security_model=none" \
  ${swift_share[@]+"${swift_share[@]}"} \
  -virtfs "local,path=$repo,mount_tag=work,security_model=none,readonly=on" > "$vm/console.log" 2>&1
cat "$share/job.log"

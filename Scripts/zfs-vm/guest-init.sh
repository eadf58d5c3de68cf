#!/bin/sh
# Guest init for recording real OpenZFS output: mounts the host's shares,
# starts udev (zvol links), loads zfs, runs the job the host gave, powers off.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
mount -t proc proc /proc
mountpoint -q /sys || mount -t sysfs sys /sys
mountpoint -q /dev || mount -t devtmpfs dev /dev
mkdir -p /dev/pts /run /tmp && mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /run
mount -t tmpfs tmpfs /tmp
modprobe 9pnet_virtio; modprobe 9p
mkdir -p /share && mount -t 9p -o trans=virtio,version=9p2000.L,msize=1048576 share /share
for tag in swift work; do
  if grep -q "^$tag\$" /sys/bus/virtio/drivers/9pnet_virtio/*/mount_tag 2>/dev/null; then
    dir=/opt/swift; [ $tag = work ] && dir=$(sed -n 's/.*vs.repo=\([^ ]*\).*/\1/p' /proc/cmdline)
    mkdir -p $dir && mount -t 9p -o trans=virtio,version=9p2000.L,msize=1048576,ro $tag $dir
  fi
done
/lib/systemd/systemd-udevd --daemon
udevadm trigger --action=add; udevadm settle
modprobe zfs
hostname zfsvm
sh /share/job.sh > /share/job.log 2>&1
echo "job rc=$?" >> /share/job.log
sync
echo o > /proc/sysrq-trigger
sleep 10

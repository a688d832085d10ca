#!/bin/sh
# maekin: the end of node01.cloud.test's Debian install. The preseed's late_command fetches this
# from the master and runs it in the installer with the target's root as $1 (/target).
set -eu
T="${1:-/target}"

# The provisioning NIC, found by the MAC maekin knows this node by.
nic=""
for dev in /sys/class/net/*; do
  if [ "$(cat "$dev/address" 2>/dev/null)" = '52:54:00:00:00:01' ]; then nic="${dev##*/}"; fi
done
if [ -z "$nic" ]; then
  echo "maekin: no interface has MAC 52:54:00:00:00:01" >&2
  exit 1
fi

# Host name and domain
echo 'node01' > "$T/etc/hostname"
cat > "$T/etc/hosts" <<'MAEKIN_EOF'
127.0.0.1	localhost
10.77.0.11	node01.cloud.test node01
::1	localhost ip6-localhost ip6-loopback
MAEKIN_EOF

# The node's address lives on bridge br0, which enslaves the provisioning NIC.
cat > "$T/etc/network/interfaces" <<MAEKIN_EOF
source /etc/network/interfaces.d/*

auto lo
iface lo inet loopback

auto $nic
iface $nic inet manual

auto br0
iface br0 inet static
    address 10.77.0.11/24
    gateway 10.77.0.1
    bridge_ports $nic
    bridge_stp off
    bridge_fd 0
    bridge_maxwait 0
MAEKIN_EOF
rm -f "$T/etc/resolv.conf"
{
  echo 'search cloud.test'
  echo 'nameserver 10.77.0.1'
} > "$T/etc/resolv.conf"

# SSH keys for root
mkdir -p "$T/root/.ssh"
chmod 700 "$T/root/.ssh"
: > "$T/root/.ssh/authorized_keys"
printf '%s\n' 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAILP0Lh0MvW30YdMxAkAgeCmnLqNeFfqHoMBNsK6w1UPv admin@maekin-lab' >> "$T/root/.ssh/authorized_keys"
chmod 600 "$T/root/.ssh/authorized_keys"

# The maekin agent: the master URL and this node's token, readable by root only
mkdir -p "$T/opt/maekin" "$T/etc/maekin"
umask 077
cat > "$T/etc/maekin/agent.env" <<'MAEKIN_EOF'
MAEKIN_MASTER=http://10.77.0.1:8080
MAEKIN_TOKEN=token-of-node01
MAEKIN_NODE=node01
MAEKIN_BRIDGE=br0
MAEKIN_EOF
umask 022
cat > "$T/etc/systemd/system/maekin-agent.service" <<'MAEKIN_EOF'
[Unit]
Description=maekin node agent: registers with the master, then heartbeats
Wants=network-online.target
After=network-online.target libvirtd.service

[Service]
Type=simple
# MAEKIN_MASTER, MAEKIN_TOKEN and MAEKIN_BRIDGE come from here, not the command line (ps shows that)
EnvironmentFile=/etc/maekin/agent.env
ExecStart=/usr/bin/node /opt/maekin/maekin-agent.mjs agent
Restart=always
RestartSec=5

[Install]
WantedBy=multi-user.target
MAEKIN_EOF

# The agent itself, served by the master (Debian's nodejs runs it); without it the node
# cannot join, so a failed download fails this script and the master hears install.failed.
wget -q -O "$T/opt/maekin/maekin-agent.mjs" 'http://10.77.0.1:8080/assets/agent/maekin-agent.js'
chroot "$T" systemctl enable maekin-agent.service libvirtd.service

# VM storage: its own logical volume in volume group vmvg, mounted where libvirt keeps images
if chroot "$T" vgs vmvg >/dev/null 2>&1; then
  chroot "$T" lvcreate -y -l 100%FREE -n vmstore vmvg
  chroot "$T" mkfs.ext4 -q -L vmstore /dev/vmvg/vmstore
  mkdir -p "$T/var/lib/libvirt/images"
  echo 'LABEL=vmstore /var/lib/libvirt/images ext4 defaults 0 2' >> "$T/etc/fstab"
fi

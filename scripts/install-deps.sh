#!/usr/bin/env bash
# Installs the Debian packages maekin's lab, tests and benchmarks use (only those missing), as
# root on Debian 12. Used by the README's first command and by .ci/run.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

# Debian packages the tests use: real clients and peers (DHCP, TFTP), firmware and QEMU for the
# boot tests, the installer netboot files, ISO tools, and debconf for checking preseeds.
packages=(iproute2 iputils-ping nftables busybox isc-dhcp-client curl atftp tftpd-hpa dnsmasq
  debconf-utils ipxe pxelinux syslinux-common debian-installer-12-netboot-amd64
  qemu-system-x86 qemu-utils ipxe-qemu ovmf xorriso isolinux grub-efi-amd64-bin)
# The pki tests check certificates with the openssl CLI (better-sqlite3 builds with the machine's
# python3, make, g++ and Node headers when no prebuilt binary can be fetched).
packages+=(openssl)
# The ISO tests make the EFI El Torito image of their small source ISO with mtools.
packages+=(mtools cpio)
# `maekin mirror sync` (and its test): apt as the client, gpg signs Release, gpgv and dpkg-deb
# check and repack, Debian's keyring verifies the upstream.
packages+=(apt gnupg gpgv dpkg debian-archive-keyring)
# The dashboard test drives Debian's chromium with playwright-core (no browser download).
packages+=(chromium)
# `npm run bench` (not part of npm test) compares against these peers; wrk drives the HTTP figures.
# atftpd conflicts with tftpd-hpa as a package: the bench unpacks it itself (apt-get download).
packages+=(wrk nginx-light kea-dhcp4-server)
# virsh reaches nodes' libvirt over TLS (the e2e install); test/libvirt-tls.test.ts runs a real libvirtd.
packages+=(libvirt-clients libvirt-daemon-system)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "ci: installing ${missing[*]}"
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# Peer daemons come from packages that start services; the tests run their own copies.
for svc in tftpd-hpa dnsmasq kea-dhcp4-server nginx libvirtd; do systemctl stop "$svc" 2>/dev/null || true; done

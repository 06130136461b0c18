#!/bin/bash -e
# pi-gen: install the first-boot configuration service
install -m 0755 files/receipt-gateway-firstboot "${ROOTFS_DIR}/usr/local/sbin/"
install -m 0644 files/receipt-gateway-firstboot.service "${ROOTFS_DIR}/etc/systemd/system/"
install -d "${ROOTFS_DIR}/boot/firmware/receipt-gateway"
install -m 0644 files/README.txt "${ROOTFS_DIR}/boot/firmware/receipt-gateway/README.txt"
on_chroot <<'CHROOT'
systemctl enable receipt-gateway-firstboot.service
CHROOT

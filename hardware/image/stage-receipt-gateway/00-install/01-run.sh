#!/bin/bash -e
# pi-gen: install receipt-gateway into the image (runs on the build host; on_chroot runs inside)
F=files
install -d "${ROOTFS_DIR}/opt/receipt-gateway/hardware" "${ROOTFS_DIR}/etc/receipt-gateway"
cp -r "$F/hardware/." "${ROOTFS_DIR}/opt/receipt-gateway/hardware/"
cp "$F"/receipt*gateway-*.tar.gz "${ROOTFS_DIR}/tmp/"

install -m 0644 "$F/hardware/systemd/receipt-gateway.service" "${ROOTFS_DIR}/etc/systemd/system/"
install -m 0644 "$F/hardware/systemd/receipt-gateway-gadget.service" "${ROOTFS_DIR}/etc/systemd/system/"
install -m 0644 "$F/hardware/udev/99-receipt-gateway.rules" "${ROOTFS_DIR}/etc/udev/rules.d/"
install -m 0644 "$F/hardware/image/mosquitto-kiosk.conf" "${ROOTFS_DIR}/etc/mosquitto/conf.d/kiosk.conf"
chmod 0755 "${ROOTFS_DIR}/opt/receipt-gateway/hardware/usb-gadget/printer-gadget.sh"

on_chroot <<'CHROOT'
set -e
id receipt-gw >/dev/null 2>&1 || useradd --system --home-dir /var/lib/receipt-gateway \
  --shell /usr/sbin/nologin --groups dialout,input,lp receipt-gw
python3 -m venv /opt/receipt-gateway
# from the source archive: the decoder's optional C text path is compiled here, for the Pi
apt-get install -y --no-install-recommends gcc python3-dev
/opt/receipt-gateway/bin/pip install --no-cache-dir /tmp/receipt*gateway-*.tar.gz
rm -f /tmp/receipt*gateway-*.tar.gz
apt-get purge -y --auto-remove gcc python3-dev  # no compiler left on the box
chown root:receipt-gw /etc/receipt-gateway && chmod 0750 /etc/receipt-gateway
install -d -o receipt-gw -g receipt-gw -m 0750 /var/lib/receipt-gateway
mkdir -p /etc/systemd/journald.conf.d
printf '[Journal]\nStorage=volatile\nRuntimeMaxUse=32M\n' > /etc/systemd/journald.conf.d/receipt-gateway.conf
echo libcomposite > /etc/modules-load.d/receipt-gateway.conf
systemctl enable receipt-gateway.service mosquitto.service chrony.service
CHROOT

if [ "${RG_USB_GADGET:-0}" = 1 ]; then
  grep -q '^dtoverlay=dwc2' "${ROOTFS_DIR}/boot/firmware/config.txt" || \
    printf '\n[all]\ndtoverlay=dwc2,dr_mode=peripheral\n' >> "${ROOTFS_DIR}/boot/firmware/config.txt"
fi
# the data partition (created by first boot if missing); root stays read-only later
grep -q receipt-gateway "${ROOTFS_DIR}/etc/fstab" || \
  echo 'LABEL=rg-data  /var/lib/receipt-gateway  ext4  defaults,noatime,nodev,nosuid,noexec,nofail,x-systemd.device-timeout=10s  0  2' \
  >> "${ROOTFS_DIR}/etc/fstab"

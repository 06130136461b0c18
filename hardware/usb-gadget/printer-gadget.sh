#!/usr/bin/env bash
# USB printer gadget for receipt-gateway: the Pi's USB-C/OTG port shows up to the till
# as the very printer it used to print to (same VID:PID and IEEE 1284 device ID), and
# the till's print stream arrives on /dev/g_printer0.
#
# Usage:
#   printer-gadget.sh clone            print gadget settings read from the real printer
#                                      (plugged into a USB-A port, usblp loaded) -> gadget.env
#   printer-gadget.sh up               create and bind the gadget (settings from env, below)
#   printer-gadget.sh down             unbind and remove it
#   printer-gadget.sh status           show what is configured
#
# Settings (environment, e.g. from /etc/receipt-gateway/gadget.env):
#   PRINTER_VID=0x04b8  PRINTER_PID=0x0202      USB ids to present (default: Epson TM-T88)
#   PRINTER_1284_ID='MFG:EPSON;CMD:ESC/POS;MDL:TM-T88V;CLS:PRINTER;'
#   PRINTER_MANUFACTURER, PRINTER_PRODUCT, PRINTER_SERIAL, PRINTER_BCD_DEVICE (0x0100)
#   GADGET_NAME=receipt-printer   UDC=<controller name> (default: the first in /sys/class/udc)
#   MAX_POWER_MA=2 (self-powered box: ask the till for almost nothing)   Q_LEN=10
# Test/overrides: CONFIGFS_ROOT (default /sys/kernel/config), UDC_ROOT (/sys/class/udc),
#   SYSFS_ROOT (/sys, for clone).
set -euo pipefail

CONFIGFS_ROOT=${CONFIGFS_ROOT:-/sys/kernel/config}
UDC_ROOT=${UDC_ROOT:-/sys/class/udc}
SYSFS_ROOT=${SYSFS_ROOT:-/sys}
GADGET_NAME=${GADGET_NAME:-receipt-printer}
PRINTER_VID=${PRINTER_VID:-0x04b8}
PRINTER_PID=${PRINTER_PID:-0x0202}
PRINTER_1284_ID=${PRINTER_1284_ID:-MFG:EPSON;CMD:ESC/POS;MDL:TM-T88V;CLS:PRINTER;}
PRINTER_MANUFACTURER=${PRINTER_MANUFACTURER:-EPSON}
PRINTER_PRODUCT=${PRINTER_PRODUCT:-TM-T88V}
PRINTER_SERIAL=${PRINTER_SERIAL:-RG0000000001}
PRINTER_BCD_DEVICE=${PRINTER_BCD_DEVICE:-0x0100}
MAX_POWER_MA=${MAX_POWER_MA:-2}
Q_LEN=${Q_LEN:-10}
G="$CONFIGFS_ROOT/usb_gadget/$GADGET_NAME"

die() { # message, remedy
  echo "printer-gadget: error: $1" >&2
  [ -n "${2:-}" ] && echo "  fix: $2" >&2
  exit 2
}

hex16() { # name value -> normalised 0xNNNN or die
  local v=${2,,}
  [[ $v =~ ^(0x)?[0-9a-f]{1,4}$ ]] || die "$1=$2 is not a 16-bit hex id" "write it like 0x04b8"
  printf '0x%04x' "$((16#${v#0x}))"
}

check_1284() {
  local id=$1
  [[ $id == *MFG:* || $id == *MANUFACTURER:* ]] || die "PRINTER_1284_ID has no MFG: field: $id" \
    "copy it from the real printer: printer-gadget.sh clone"
  [[ $id == *MDL:* || $id == *MODEL:* ]] || die "PRINTER_1284_ID has no MDL: field: $id" \
    "copy it from the real printer: printer-gadget.sh clone"
  [ "${#id}" -le 1023 ] || die "PRINTER_1284_ID is longer than 1023 bytes"
}

pick_udc() {
  if [ -n "${UDC:-}" ]; then
    [ -e "$UDC_ROOT/$UDC" ] || die "USB device controller $UDC not found in $UDC_ROOT" \
      "leave UDC unset to use the first one, or pick one of: $(ls "$UDC_ROOT" 2>/dev/null | tr '\n' ' ')"
    echo "$UDC"
    return
  fi
  local first
  first=$(ls "$UDC_ROOT" 2>/dev/null | head -n1 || true)
  [ -n "$first" ] || die "no USB device controller (nothing in $UDC_ROOT)" \
    "add 'dtoverlay=dwc2,dr_mode=peripheral' to /boot/firmware/config.txt and reboot; the till cable goes in the Pi 4/5 USB-C port (Zero 2 W: the USB port, not PWR)"
  echo "$first"
}

up() {
  [ -d "$CONFIGFS_ROOT/usb_gadget" ] || die "configfs has no usb_gadget in $CONFIGFS_ROOT" \
    "modprobe libcomposite (and mount -t configfs none /sys/kernel/config)"
  local vid pid bcd udc
  vid=$(hex16 PRINTER_VID "$PRINTER_VID")
  pid=$(hex16 PRINTER_PID "$PRINTER_PID")
  bcd=$(hex16 PRINTER_BCD_DEVICE "$PRINTER_BCD_DEVICE")
  check_1284 "$PRINTER_1284_ID"
  udc=$(pick_udc)
  if [ -s "$G/UDC" ] && [ -n "$(tr -d '[:space:]' < "$G/UDC")" ]; then
    echo "printer-gadget: $GADGET_NAME is already up on $(cat "$G/UDC")"
    return 0
  fi
  mkdir -p "$G"
  echo "$vid" > "$G/idVendor"
  echo "$pid" > "$G/idProduct"
  echo "$bcd" > "$G/bcdDevice"
  echo 0x0200 > "$G/bcdUSB"
  mkdir -p "$G/strings/0x409"
  echo "$PRINTER_MANUFACTURER" > "$G/strings/0x409/manufacturer"
  echo "$PRINTER_PRODUCT" > "$G/strings/0x409/product"
  echo "$PRINTER_SERIAL" > "$G/strings/0x409/serialnumber"
  mkdir -p "$G/functions/printer.usb0"
  printf '%s' "$PRINTER_1284_ID" > "$G/functions/printer.usb0/pnp_string"
  echo "$Q_LEN" > "$G/functions/printer.usb0/q_len"
  mkdir -p "$G/configs/c.1/strings/0x409"
  echo "printer" > "$G/configs/c.1/strings/0x409/configuration"
  echo "$MAX_POWER_MA" > "$G/configs/c.1/MaxPower"
  echo 0xc0 > "$G/configs/c.1/bmAttributes"   # self-powered: the box has its own supply
  [ -L "$G/configs/c.1/printer.usb0" ] || ln -s "$G/functions/printer.usb0" "$G/configs/c.1/printer.usb0"
  echo "$udc" > "$G/UDC"
  echo "printer-gadget: up on $udc as $vid:$pid ($PRINTER_MANUFACTURER $PRINTER_PRODUCT); the till prints to /dev/g_printer0"
}

down() {
  [ -d "$G" ] || { echo "printer-gadget: $GADGET_NAME is not configured"; return 0; }
  [ -e "$G/UDC" ] && echo "" > "$G/UDC" || true
  rm -f "$G/configs/c.1/printer.usb0"
  rmdir "$G/configs/c.1/strings/0x409" "$G/configs/c.1" "$G/functions/printer.usb0" \
        "$G/strings/0x409" "$G" 2>/dev/null || true
  echo "printer-gadget: $GADGET_NAME is down"
}

status() {
  if [ ! -d "$G" ]; then
    echo "printer-gadget: $GADGET_NAME is not configured"
    return 1
  fi
  echo "gadget:    $G"
  echo "ids:       $(cat "$G/idVendor"):$(cat "$G/idProduct")"
  echo "strings:   $(cat "$G/strings/0x409/manufacturer") / $(cat "$G/strings/0x409/product")"
  echo "1284 id:   $(cat "$G/functions/printer.usb0/pnp_string")"
  echo "bound to:  $(cat "$G/UDC" 2>/dev/null || echo '-')"
}

clone() {
  local lp dev iface usbdev
  lp=$(ls -d "$SYSFS_ROOT"/class/usbmisc/lp* 2>/dev/null | head -n1 || true)
  [ -n "$lp" ] || die "no USB printer found (no $SYSFS_ROOT/class/usbmisc/lp*)" \
    "plug the real printer into a USB-A port of the box, power it on, and run: modprobe usblp"
  iface=$(cd "$lp/device" && pwd -P)
  usbdev=$(dirname "$iface")
  for f in idVendor idProduct; do
    [ -r "$usbdev/$f" ] || die "cannot read $usbdev/$f" "is $lp a USB printer? check with lsusb"
  done
  echo "# cloned from $(basename "$lp") by printer-gadget.sh clone on $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "PRINTER_VID=0x$(cat "$usbdev/idVendor")"
  echo "PRINTER_PID=0x$(cat "$usbdev/idProduct")"
  [ -r "$usbdev/bcdDevice" ] && echo "PRINTER_BCD_DEVICE=0x$(cat "$usbdev/bcdDevice")"
  [ -r "$iface/ieee1284_id" ] && echo "PRINTER_1284_ID='$(tr -d "'\n" < "$iface/ieee1284_id")'"
  [ -r "$usbdev/manufacturer" ] && echo "PRINTER_MANUFACTURER='$(tr -d "'\n" < "$usbdev/manufacturer")'"
  [ -r "$usbdev/product" ] && echo "PRINTER_PRODUCT='$(tr -d "'\n" < "$usbdev/product")'"
  [ -r "$usbdev/serial" ] && echo "PRINTER_SERIAL='$(tr -d "'\n" < "$usbdev/serial")'"
  return 0
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  status) status ;;
  clone) clone ;;
  *) echo "usage: $0 up|down|status|clone" >&2; exit 2 ;;
esac

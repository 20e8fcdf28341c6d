#!/usr/bin/env bash
# `make install`: puts qfpos on this machine (or under DESTDIR for packaging).
#   scripts/install.sh DESTDIR PREFIX      e.g. scripts/install.sh "" /usr/local
# Installs the binaries, the udev rules, the systemd units (pointed at PREFIX), the example
# configuration (never over an existing one), the docs, and a sysusers.d entry for the `qfpos`
# system user, which is created now when installing to the live system as root.
set -euo pipefail
cd "$(dirname "$0")/.."

DESTDIR=${1:-}
PREFIX=${2:-/usr/local}
BIN=${QFPOS_BIN:-.build/release}

for tool in qfposd qfposctl qfpay-sandbox; do
    [[ -x "$BIN/$tool" ]] || { echo "missing $BIN/$tool: run 'make release' first" >&2; exit 1; }
done

install -d "$DESTDIR$PREFIX/bin" "$DESTDIR/etc/udev/rules.d" "$DESTDIR/etc/systemd/system" \
    "$DESTDIR/etc/qfpos" "$DESTDIR$PREFIX/share/doc/qfpos" "$DESTDIR/usr/lib/sysusers.d"
for tool in qfposd qfposctl qfpay-sandbox; do
    install -m 0755 "$BIN/$tool" "$DESTDIR$PREFIX/bin/$tool"
    # Debug information is most of a Swift binary (qfposd: 134 MB with it); the symbol table
    # stays, so crash backtraces keep their function names.
    if command -v strip >/dev/null; then strip --strip-debug "$DESTDIR$PREFIX/bin/$tool"; fi
done
# Swift resource bundles (printer profiles) live next to the binaries.
for bundle in "$BIN"/*.resources; do
    [[ -d "$bundle" && "$bundle" != *Tests.resources ]] && cp -R "$bundle" "$DESTDIR$PREFIX/bin/"
done

if [[ -f udev/60-qfpos.rules ]]; then
    install -m 0644 udev/60-qfpos.rules "$DESTDIR/etc/udev/rules.d/60-qfpos.rules"
else
    echo "note: udev/60-qfpos.rules not found; scanners and printers are matched by configuration only" >&2
fi

for unit in qfposd.service qfposd.socket; do
    sed "s#/usr/local/#$PREFIX/#g" "systemd/$unit" >"$DESTDIR/etc/systemd/system/$unit"
    chmod 0644 "$DESTDIR/etc/systemd/system/$unit"
done

cat >"$DESTDIR/usr/lib/sysusers.d/qfpos.conf" <<'SYSUSERS'
# The qfpos service user, its group (the till's user joins it to reach the control socket),
# and the device groups it reads scanners and drives printers through.
u qfpos - "qfpos point-of-sale daemon" /var/lib/qfpos /usr/sbin/nologin
m qfpos dialout
m qfpos input
m qfpos lp
SYSUSERS
chmod 0644 "$DESTDIR/usr/lib/sysusers.d/qfpos.conf"

install -m 0644 config/qfposd.example.yaml "$DESTDIR$PREFIX/share/doc/qfpos/qfposd.example.yaml"
if [[ ! -e "$DESTDIR/etc/qfpos/qfposd.yaml" ]]; then
    install -m 0640 config/qfposd.example.yaml "$DESTDIR/etc/qfpos/qfposd.yaml"
fi
for doc in README.md docs/*.md; do
    [[ -f "$doc" ]] && install -m 0644 "$doc" "$DESTDIR$PREFIX/share/doc/qfpos/$(basename "$doc")"
done

if [[ -z "$DESTDIR" && $(id -u) == 0 ]]; then
    if command -v systemd-sysusers >/dev/null; then
        systemd-sysusers /usr/lib/sysusers.d/qfpos.conf
    elif ! getent passwd qfpos >/dev/null; then
        useradd --system --user-group --home-dir /var/lib/qfpos --shell /usr/sbin/nologin qfpos
        usermod -a -G dialout,input,lp qfpos
    fi
    chgrp qfpos /etc/qfpos /etc/qfpos/qfposd.yaml
    chmod 0750 /etc/qfpos
    if [[ -d /run/systemd/system ]]; then
        systemctl daemon-reload || true
        udevadm control --reload || true
        udevadm trigger --subsystem-match=tty --subsystem-match=usbmisc --subsystem-match=hidraw || true
    fi
fi

cat <<NEXT
qfpos installed under ${DESTDIR:-/} (binaries in $PREFIX/bin).
Next steps (README, "Install guide (technicians)"):
  1. Put the QFPay key in /etc/qfpos/qfpay-key:   install -m 0600 -o root /dev/stdin /etc/qfpos/qfpay-key
  2. Edit /etc/qfpos/qfposd.yaml (app_code, shop, lanes), then:  qfposd --check-config
  3. Check the devices:  qfposd --list-devices
  4. systemctl enable --now qfposd.socket qfposd.service;  qfposctl doctor
  5. Let the till's user reach the socket:  usermod -a -G qfpos TILLUSER
NEXT

#!/usr/bin/env bash
# `make install`: puts qfpos on this machine (or under DESTDIR for packaging).
#   scripts/install.sh DESTDIR PREFIX      e.g. scripts/install.sh "" /usr/local
# Installs the binaries, the udev rules, the systemd units (pointed at PREFIX), the example
# configuration (never over an existing one), the docs, and a sysusers.d entry for the `qfpos`
# system user and group (the daemon's: it owns the scanners' and printers' nodes, the journal and
# the configuration) and the `qfpos-till` group (the till's user joins it, and only it, to reach
# the control socket); both are created now when installing to the live system as root.
# QFPOS_BIN names the directory of the built binaries (.build/release; a debug build works too).
set -euo pipefail
cd "$(dirname "$0")/.."

DESTDIR=${1:-}
PREFIX=${2:-/usr/local}
BIN=${QFPOS_BIN:-.build/release}

for tool in qfposd qfposctl; do
    [[ -x "$BIN/$tool" ]] || { echo "missing $BIN/$tool: run 'make release' first" >&2; exit 1; }
done
# The sandbox is for integrators and demos: installed when it was built (`swift build -c release
# --static-swift-stdlib --product qfpay-sandbox`).
tools=(qfposd qfposctl)
[[ -x "$BIN/qfpay-sandbox" ]] && tools+=(qfpay-sandbox)

install -d "$DESTDIR$PREFIX/bin" "$DESTDIR/etc/udev/rules.d" "$DESTDIR/etc/systemd/system" \
    "$DESTDIR/etc/qfpos" "$DESTDIR$PREFIX/share/doc/qfpos" "$DESTDIR/usr/lib/sysusers.d"
for tool in "${tools[@]}"; do
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

install -m 0644 systemd/qfpos.sysusers "$DESTDIR/usr/lib/sysusers.d/qfpos.conf"

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
    else
        getent passwd qfpos >/dev/null ||
            useradd --system --user-group --home-dir /var/lib/qfpos --shell /usr/sbin/nologin qfpos
        getent group qfpos-till >/dev/null || groupadd --system qfpos-till
    fi
    # Earlier installs put the service user in dialout, input and lp (systemd gives a service its
    # user's groups): out of them, so that it reaches only the nodes the rules give group qfpos.
    for group in dialout input lp; do
        if id -nG qfpos | tr ' ' '\n' | grep -qx "$group"; then gpasswd -d qfpos "$group" >/dev/null; fi
    done
    # Earlier install guides put the till's user in group qfpos: say who is still there.
    members=$(getent group qfpos | cut -d: -f4)
    if [[ -n "$members" ]]; then
        echo "warning: group qfpos has members ($members): they can read customers' payment codes from the" >&2
        echo "  scanners' nodes. Move the till's user:  gpasswd -d USER qfpos && usermod -a -G qfpos-till USER" >&2
    fi
    chgrp qfpos /etc/qfpos /etc/qfpos/qfposd.yaml
    chmod 0750 /etc/qfpos
    # The install's secret for the journal's scanned-code hashes (docs/reliability.md): made here,
    # on this machine, never shipped in a package; qfposd makes it at first start when missing.
    install -d -m 0750 -o qfpos -g qfpos /var/lib/qfpos
    code_key=/var/lib/qfpos/journal.sqlite.code-key
    if [[ ! -e "$code_key" ]]; then
        (umask 077 && head -c 32 /dev/urandom >"$code_key.new") && chown qfpos:qfpos "$code_key.new" &&
            mv -n "$code_key.new" "$code_key"
        rm -f "$code_key.new"
    fi
    if [[ -d /run/systemd/system ]]; then
        systemctl daemon-reload || true
        udevadm control --reload || true
        udevadm trigger --subsystem-match=tty --subsystem-match=usbmisc --subsystem-match=hidraw \
            --subsystem-match=input || true
    fi
fi

cat <<NEXT
qfpos installed under ${DESTDIR:-/} (binaries in $PREFIX/bin).
Next steps (README, "Install guide (technicians)"):
  1. Put the QFPay key in /etc/qfpos/qfpay-key:   install -m 0600 -o root /dev/stdin /etc/qfpos/qfpay-key
  2. Edit /etc/qfpos/qfposd.yaml (app_code, shop, lanes), then:  qfposd --check-config
  3. Check the devices:  qfposd --list-devices
  4. systemctl enable --now qfposd.socket qfposd.service;  qfposctl doctor
  5. Let the till's user reach the socket:  usermod -a -G qfpos-till TILLUSER   (never group qfpos)
NEXT

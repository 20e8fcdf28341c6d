#!/usr/bin/env bash
# `make deb`: qfpos_<version>_<arch>.deb in .build/deb, with dpkg-deb, offline, from the release
# build in QFPOS_BIN (qfposd and qfposctl, `make release`). The version is the one the binaries
# report (`git describe` at build time, scripts/version.sh); Depends: is what dpkg-shlibdeps finds
# the binaries need. Man pages and shell completions come from the argument parser
# (swift-argument-parser's GenerateManual plugin's tool, and `--generate-completion-script`).
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=${QFPOS_BIN:?QFPOS_BIN names the release build directory}
SWIFT=${SWIFT:-swift}
OUT=${QFPOS_DEB_DIR:-.build/deb}
MAINTAINER=${QFPOS_MAINTAINER:-qfpos developers <qfpos@users.noreply.github.com>}
for tool in qfposd qfposctl; do
    [[ -x "$BIN/$tool" ]] || { echo "build-deb: missing $BIN/$tool: run 'make release' first" >&2; exit 1; }
done

version=$("$BIN/qfposd" --version)
[[ "$("$BIN/qfposctl" --version)" == "$version" ]] || { echo "build-deb: qfposd and qfposctl differ" >&2; exit 1; }
[[ "$version" =~ ^[0-9][A-Za-z0-9.+~]*$ ]] || { echo "build-deb: '$version' is not a Debian version" >&2; exit 1; }
arch=$(dpkg --print-architecture)
name="qfpos_${version}_${arch}"
root="$OUT/$name"
rm -rf "$root" "$OUT"/qfpos_*.deb
mkdir -p "$root/DEBIAN"

# Binaries, stripped as Debian's policy asks (the debug information stays in .build).
install -d "$root/usr/bin"
for tool in qfposd qfposctl; do
    install -m 0755 "$BIN/$tool" "$root/usr/bin/$tool"
    strip --strip-unneeded --remove-section=.comment --remove-section=.note "$root/usr/bin/$tool"
done

# systemd units, udev rules, sysusers.d and tmpfiles.d.
install -d "$root/usr/lib/systemd/system" "$root/usr/lib/udev/rules.d" "$root/usr/lib/sysusers.d" \
    "$root/usr/lib/tmpfiles.d"
for unit in qfposd.service qfposd.socket; do
    sed "s#/usr/local/#/usr/#g" "systemd/$unit" >"$root/usr/lib/systemd/system/$unit"
    chmod 0644 "$root/usr/lib/systemd/system/$unit"
done
install -m 0644 udev/60-qfpos.rules "$root/usr/lib/udev/rules.d/60-qfpos.rules"
install -m 0644 systemd/qfpos.sysusers "$root/usr/lib/sysusers.d/qfpos.conf"
install -m 0644 systemd/qfpos.tmpfiles "$root/usr/lib/tmpfiles.d/qfpos.conf"

# The configuration, a conffile: upgrades keep the shop's edits.
install -d "$root/etc/qfpos"
install -m 0644 config/qfposd.example.yaml "$root/etc/qfpos/qfposd.yaml"
echo /etc/qfpos/qfposd.yaml >"$root/DEBIAN/conffiles"

# Man pages: qfposd(8) and qfposctl(1) from the argument parser, qfposd.yaml(5) by hand. The
# GenerateManual plugin would build every product of the package (the benchmark and its test
# tooling too) before running its tool: `--help` has it build only the tool, which then reads the
# release binaries' `--experimental-dump-help`.
"$SWIFT" package generate-manual --help >/dev/null
generate_manual="$("$SWIFT" build --show-bin-path)/generate-manual-tool"
manuals=$(mktemp -d)
trap 'rm -rf "$manuals"' EXIT
date=$(git log -1 --format=%cs 2>/dev/null || date -u +%F)
"$generate_manual" "$BIN/qfposd" --section 8 --date "$date" --output-directory "$manuals"
"$generate_manual" "$BIN/qfposctl" --section 1 --date "$date" --output-directory "$manuals"
install -d "$root/usr/share/man/man1" "$root/usr/share/man/man5" "$root/usr/share/man/man8"
gzip -9n -c "$manuals/qfposd.8" >"$root/usr/share/man/man8/qfposd.8.gz"
gzip -9n -c "$manuals/qfposctl.1" >"$root/usr/share/man/man1/qfposctl.1.gz"
gzip -9n -c docs/qfposd.yaml.5 >"$root/usr/share/man/man5/qfposd.yaml.5.gz"

# Shell completions.
install -d "$root/usr/share/bash-completion/completions" "$root/usr/share/zsh/vendor-completions" \
    "$root/usr/share/fish/vendor_completions.d"
for tool in qfposd qfposctl; do
    # bash-completion sources the file: no "#!" line.
    "$BIN/$tool" --generate-completion-script bash | sed '1{/^#!/d}' >"$root/usr/share/bash-completion/completions/$tool"
    "$BIN/$tool" --generate-completion-script zsh >"$root/usr/share/zsh/vendor-completions/_$tool"
    "$BIN/$tool" --generate-completion-script fish >"$root/usr/share/fish/vendor_completions.d/$tool.fish"
done

# Documentation, the copyright file and a changelog naming the commit.
doc="$root/usr/share/doc/qfpos"
install -d "$doc"
install -m 0644 packaging/deb/copyright "$doc/copyright"
for file in README.md docs/*.md config/qfposd.example.yaml; do install -m 0644 "$file" "$doc/"; done
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
when=$(git log -1 --format=%cD 2>/dev/null || date -R)
printf 'qfpos (%s) unstable; urgency=medium\n\n  * Built from commit %s.\n\n -- %s  %s\n' \
    "$version" "$commit" "$MAINTAINER" "$when" | gzip -9n >"$doc/changelog.gz"

# The lintian tags README.md explains ("Lintian").
install -d "$root/usr/share/lintian/overrides"
install -m 0644 packaging/deb/lintian-overrides "$root/usr/share/lintian/overrides/qfpos"

# Maintainer scripts.
install -m 0755 packaging/deb/postinst packaging/deb/prerm packaging/deb/postrm "$root/DEBIAN/"

# Depends: the shared libraries the binaries link, as dpkg-shlibdeps finds them (it reads a
# debian/control, made here).
shlibs=$(mktemp -d)
mkdir "$shlibs/debian"
printf 'Source: qfpos\n\nPackage: qfpos\nArchitecture: any\n' >"$shlibs/debian/control"
depends=$(cd "$shlibs" && dpkg-shlibdeps -O "$OLDPWD/$root/usr/bin/qfposd" "$OLDPWD/$root/usr/bin/qfposctl" |
    sed -n 's/^shlibs:Depends=//p')
rm -rf "$shlibs"
[[ -n "$depends" ]] || { echo "build-deb: dpkg-shlibdeps found no dependencies" >&2; exit 1; }

size=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
sed -e "s|@VERSION@|$version|" -e "s|@ARCH@|$arch|" -e "s|@MAINTAINER@|$MAINTAINER|" \
    -e "s|@INSTALLED_SIZE@|$size|" -e "s|@DEPENDS@|$depends|" packaging/deb/control.in >"$root/DEBIAN/control"
(cd "$root" && find usr etc -type f -print0 | sort -z | xargs -0 md5sum) >"$root/DEBIAN/md5sums"

find "$root" -type d -exec chmod 0755 {} +
dpkg-deb --root-owner-group --build "$root" "$OUT/$name.deb" >/dev/null
echo "$OUT/$name.deb"
echo "Depends: $depends"

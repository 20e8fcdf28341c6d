#!/usr/bin/env bash
# `make deb-test`: installs the package on this machine as a technician would (dpkg -i, as root),
# checks what it put where, runs the binaries, systemd's checks of the installed units and
# lintian, then removes and purges it: the journal is kept by a plain purge and removed by one
# with QFPOS_PURGE_JOURNAL=yes. Refuses to run where qfpos is installed already.
#   scripts/deb-test.sh .build/deb/qfpos_<version>_<arch>.deb
set -euo pipefail
cd "$(dirname "$0")/.."
deb=${1:?the .deb to test}
[[ -f "$deb" ]] || { echo "deb-test: no $deb (make deb)" >&2; exit 1; }
[[ $(id -u) == 0 ]] || exec sudo --preserve-env=PATH bash "$0" "$@"
if dpkg-query -W -f='${Status}' qfpos 2>/dev/null | grep -q 'install ok'; then
    echo "deb-test: qfpos is installed on this machine already; not touching it" >&2
    exit 1
fi

passed=0
failed=0
log=$(mktemp)
trap 'rm -f "$log"; dpkg --purge qfpos >/dev/null 2>&1 || true' EXIT
check() { # check DESCRIPTION COMMAND...: runs the command, counts it
    local what=$1
    shift
    if "$@" >"$log" 2>&1; then
        passed=$((passed + 1))
        echo "ok   $what"
    else
        failed=$((failed + 1))
        echo "FAIL $what"
        sed 's/^/     /' "$log" | head -40
    fi
}
contains() { grep -q -- "$2" <<<"$1"; }

version=$(dpkg-deb -f "$deb" Version)
depends=$(dpkg-deb -f "$deb" Depends)

# The package itself.
check "lintian reports no error and no warning" bash -c "out=\$(lintian --display-info '$deb' 2>&1); echo \"\$out\"; ! grep -Eq '^[EW]:' <<<\"\$out\""
check "Depends names libssl3 and libsqlite3-0 (dpkg-shlibdeps)" \
    bash -c "grep -q 'libssl3' <<<'$depends' && grep -q 'libsqlite3-0' <<<'$depends'"
check "Depends names no umockdev and no Swift runtime" \
    bash -c "! grep -Eqi 'umockdev|swift' <<<'$depends'"

# Installing it.
check "dpkg -i installs it" dpkg -i "$deb"
for file in /usr/bin/qfposd /usr/bin/qfposctl /usr/lib/systemd/system/qfposd.service \
    /usr/lib/systemd/system/qfposd.socket /usr/lib/udev/rules.d/60-qfpos.rules /usr/lib/sysusers.d/qfpos.conf \
    /usr/lib/tmpfiles.d/qfpos.conf /etc/qfpos/qfposd.yaml /usr/share/man/man8/qfposd.8.gz \
    /usr/share/man/man1/qfposctl.1.gz /usr/share/man/man5/qfposd.yaml.5.gz \
    /usr/share/bash-completion/completions/qfposctl /usr/share/zsh/vendor-completions/_qfposctl \
    /usr/share/fish/vendor_completions.d/qfposctl.fish /usr/share/doc/qfpos/copyright; do
    check "installs $file" test -s "$file"
done
check "/etc/qfpos/qfposd.yaml is a conffile" bash -c "dpkg-query -W -f='\${Conffiles}' qfpos | grep -q /etc/qfpos/qfposd.yaml"
check "the qfpos user is in group qfpos only, and group qfpos-till exists" \
    bash -c '[[ $(id -nG qfpos) == qfpos ]] && getent group qfpos-till >/dev/null'
check "/etc/qfpos is root:qfpos 0750, qfposd.yaml root:qfpos 0640" \
    bash -c '[[ $(stat -c %U:%G:%a /etc/qfpos) == root:qfpos:750 && $(stat -c %U:%G:%a /etc/qfpos/qfposd.yaml) == root:qfpos:640 ]]'
check "/var/lib/qfpos is qfpos:qfpos 0750" bash -c '[[ $(stat -c %U:%G:%a /var/lib/qfpos) == qfpos:qfpos:750 ]]'
check "the units run /usr/bin/qfposd" grep -q '^ExecStart=/usr/bin/qfposd --config /etc/qfpos/qfposd.yaml$' \
    /usr/lib/systemd/system/qfposd.service
check "nothing is enabled or started" bash -c '! ls /etc/systemd/system/*/qfposd.* 2>/dev/null | grep -q .'

# The binaries.
check "qfposd --version is the package's version ($version)" bash -c "[[ \$(qfposd --version) == '$version' ]]"
check "qfposctl --version is the package's version" bash -c "[[ \$(qfposctl --version) == '$version' ]]"
check "qfposd links Debian's libcrypto and libsqlite3, and no Swift runtime or umockdev" bash -c '
    out=$(ldd /usr/bin/qfposd); echo "$out"
    crypto=$(awk "/libcrypto.so/ {print \$3}" <<<"$out"); sqlite=$(awk "/libsqlite3.so/ {print \$3}" <<<"$out")
    dpkg -S "$(readlink -f "$crypto")" | grep -q "^libssl3" && dpkg -S "$(readlink -f "$sqlite")" | grep -q "^libsqlite3-0" &&
    ! grep -Eq "libswift|libFoundation|libdispatch|umockdev" <<<"$out"'
check "no TestSupport or umockdev symbols or strings in the binaries" bash -c '
    for tool in /usr/bin/qfposd /usr/bin/qfposctl; do
        ! { nm -D "$tool"; strings -a "$tool"; } | grep -Eqi "testsupport|umockdev" || { echo "$tool"; exit 1; }; done'
check "the completion scripts parse (bash -n)" bash -n /usr/share/bash-completion/completions/qfposctl
check "the man pages render without warnings" bash -c '
    for page in qfposd.8 qfposctl.1 qfposd.yaml.5; do
        out=$(man --warnings -E UTF-8 -l "/usr/share/man/man${page##*.}/$page.gz" 2>&1 >/dev/null); [[ -z $out ]] || { echo "$page: $out"; exit 1; }; done'

# The shipped configuration: --check-config explains what to do (exit 78), never crashes.
check "qfposd --check-config on the shipped file explains the app code and the key, exit 78" bash -c '
    out=$(runuser -u qfpos -- qfposd --check-config 2>&1); status=$?; echo "$out"; echo "status $status"
    [[ $status == 78 ]] && grep -q "gateway.app_code" <<<"$out" && grep -q "qfpay-key" <<<"$out"'
check "after the key and the app code, --check-config says configuration OK" bash -c '
    printf "test-key\n" | install -m 0600 /dev/stdin /etc/qfpos/qfpay-key
    out=$(QFPOS_GATEWAY_APP_CODE=APP0001 qfposd --check-config 2>&1); status=$?; echo "$out"
    [[ $status == 0 ]] && grep -q "configuration OK" <<<"$out"'

# systemd's own checks of the installed units.
check "systemd-analyze verify passes on the installed units" bash -c '
    out=$(systemd-analyze verify /usr/lib/systemd/system/qfposd.service /usr/lib/systemd/system/qfposd.socket 2>&1)
    status=$?; echo "$out"; [[ $status == 0 && -z $out ]]'
check "systemd-analyze security rates the installed service 1.5 or better" bash -c '
    line=$(systemd-analyze security --offline=yes --no-pager /usr/lib/systemd/system/qfposd.service | grep "Overall exposure")
    echo "$line"; awk "{ for (i = 1; i <= NF; i++) if (\$i ~ /^[0-9.]+\$/) { exit !(\$i <= 1.5) } exit 1 }" <<<"$line"'

# Removal and purge.
install -m 0640 -o qfpos -g qfpos /dev/null /var/lib/qfpos/journal.sqlite
check "dpkg --remove removes the binaries and keeps the configuration" bash -c '
    dpkg --remove qfpos && [[ ! -e /usr/bin/qfposd && ! -e /usr/lib/systemd/system/qfposd.service && -e /etc/qfpos/qfposd.yaml ]]'
check "dpkg --purge removes the configuration and the key, keeps the journal and says so" bash -c '
    out=$(dpkg --purge qfpos 2>&1); echo "$out"
    grep -q "kept the sales journal" <<<"$out" && [[ ! -e /etc/qfpos && -e /var/lib/qfpos/journal.sqlite ]]'
check "reinstalled, a purge with QFPOS_PURGE_JOURNAL=yes removes the journal" bash -c "
    dpkg -i '$deb' >/dev/null && out=\$(QFPOS_PURGE_JOURNAL=yes dpkg --purge qfpos 2>&1); echo \"\$out\"
    grep -q 'removed the sales journal' <<<\"\$out\" && [[ ! -e /var/lib/qfpos ]]"

echo "deb-test: $passed passed, $failed failed"
[[ $failed == 0 ]]

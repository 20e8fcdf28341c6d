#!/usr/bin/env bash
# `make demo`: qfposd against the local QFPay sandbox, with a simulated scanner (a pty made by
# socat) and a simulated printer (ESC/POS appended to a file, with a PNG preview). Runs a scan
# sale and a dynamic-QR sale through the control socket, shows what the cashier sees, then
# leaves everything running for you to try by hand until you press Enter.
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=${QFPOS_BIN:-.build/debug}
for tool in qfposd qfposctl qfpay-sandbox; do
    [[ -x "$BIN/$tool" ]] || { echo "missing $BIN/$tool: run 'swift build' (make build) first" >&2; exit 1; }
done
command -v socat >/dev/null || { echo "socat is needed (apt-get install socat)" >&2; exit 1; }

WORK=$(mktemp -d /tmp/qfpos-demo.XXXXXX)
PIDS=()
cleanup() {
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
}
trap cleanup EXIT

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

say "Starting the QFPay sandbox (QR orders are paid 4 s after they are placed)"
"$BIN/qfpay-sandbox" --port 0 --qr-pay-after 4 >"$WORK/sandbox.out" 2>"$WORK/sandbox.log" &
PIDS+=($!)
for _ in $(seq 100); do grep -q listening "$WORK/sandbox.out" 2>/dev/null && break; sleep 0.05; done
SANDBOX_URL=$(sed -n 's/^listening on //p' "$WORK/sandbox.out" | head -1)
echo "sandbox at $SANDBOX_URL"

say "Simulated devices"
socat pty,raw,echo=0,link="$WORK/scanner" pty,raw,echo=0,link="$WORK/scanner-input" 2>"$WORK/socat.log" &
PIDS+=($!)
for _ in $(seq 100); do [[ -e "$WORK/scanner" && -e "$WORK/scanner-input" ]] && break; sleep 0.05; done
: >"$WORK/printer.escpos"
echo "scanner: $WORK/scanner (write codes to $WORK/scanner-input, ending in CR)"
echo "printer: $WORK/printer.escpos (ESC/POS), preview $WORK/receipt.png"

# The QFPay specification's example key, which the sandbox uses by default.
printf '%s\n' 615ED178BA524459976CE40FAB78000F >"$WORK/qfpay-key"
chmod 600 "$WORK/qfpay-key"
cat >"$WORK/qfposd.yaml" <<YAML
gateway:
  environment: sandbox
  base_url: $SANDBOX_URL
  app_code: 6D5A2E9F0B1C4D3E8F7A6B5C4D3E2F1A
  mchid: BvDtmKJA5mx7GpN0
  key_file: $WORK/qfpay-key
shop:
  name: "qfpos デモ商店"
  address: "東京都千代田区1-1-1"
lanes:
  ids: [front]
  front:
    scanner:
      path: $WORK/scanner
      suffix: cr
    printer:
      path: $WORK/printer.escpos
      profile: epson-tm-m30-jp
      preview_path: $WORK/receipt.png
payments:
  poll_interval_seconds: "1-2"
journal:
  path: $WORK/journal.sqlite
control:
  socket_path: $WORK/control.sock
YAML

say "Starting qfposd"
"$BIN/qfposd" --check-config --config "$WORK/qfposd.yaml"
"$BIN/qfposd" --config "$WORK/qfposd.yaml" 2>"$WORK/qfposd.log" &
PIDS+=($!)
for _ in $(seq 200); do [[ -S "$WORK/control.sock" ]] && break; sleep 0.05; done
export QFPOS_SOCKET="$WORK/control.sock"
"$BIN/qfposctl" status

say "Sale 1: ¥1,200, the customer shows a WeChat Pay code (paid after two queries)"
"$BIN/qfposctl" sale 1200 --wait --order-id "DEMO-SCAN-$$" &
SALE=$!
sleep 1
echo "(the customer's code is scanned)"
printf '130000010212345678\r' >"$WORK/scanner-input"
wait $SALE || true
sleep 0.5
say "What the printer printed"
"$BIN/qfposctl" receipt preview "$WORK/printer.escpos" --png "$WORK/receipt-scan.png" | tail -n 30
: >"$WORK/printer.escpos"

say "Sale 2: ¥800, dynamic QR: the customer scans the printed code with WeChat"
"$BIN/qfposctl" sale 800 --qr --wallet wechat --wait --order-id "DEMO-QR-$$" || true
sleep 0.5
say "What the printer printed (the QR prompt, then the receipt)"
"$BIN/qfposctl" receipt preview "$WORK/printer.escpos" --png "$WORK/receipt-qr.png" | tail -n 40

say "Recent sales"
"$BIN/qfposctl" list

say "Try it by hand (qfposd keeps running until you press Enter)"
cat <<HELP
  export QFPOS_SOCKET=$WORK/control.sock
  $BIN/qfposctl sale 1500 --wait                 # then, in another terminal:
  printf '130000000087654321\\r' > $WORK/scanner-input
  $BIN/qfposctl events                           # follow every event
  $BIN/qfposctl refund DEMO-SCAN-$$ 200           # a partial refund
  echo '{"jsonrpc":"2.0","id":1,"method":"daemon.status"}' | socat - UNIX-CONNECT:$WORK/control.sock
  Receipt previews: $WORK/receipt-scan.png $WORK/receipt-qr.png
  Logs: $WORK/qfposd.log
HELP
if [[ -t 0 ]]; then read -r -p "Press Enter to stop. " _; fi

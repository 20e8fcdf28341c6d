#!/usr/bin/env python3
"""A till's day in one run, for scripts/layout-profile.sh: starts the sandbox and qfposd (under the
given wrapper, e.g. valgrind), then drives qfposd through what a shop does with it, so that the
profile names every function a running daemon executes.

usage: layout-workload.py BIN_DIR WORK_DIR [WRAPPER...]

Covers: a restart after a crash (the journal's WAL left, a pending sale resumed), start under a
systemd notify socket with a watchdog, four lanes (printers written to files,
a serial scanner on a pty), scan sales paid, pending and declined, a scanned code, dynamic-QR sales,
cancel, refund, sale.get/list, devices.list, events, bad input, SIGHUP reload, sixteen tills at once,
SIGTERM drain."""
import atexit, json, os, pty, signal, socket, subprocess, sys, threading, time

bin_dir, work, wrapper = sys.argv[1], sys.argv[2], sys.argv[3:]
rounds = int(os.environ.get("ROUNDS", "10"))
os.makedirs(work, exist_ok=True)
for name in ("journal.sqlite", "journal.sqlite-wal", "journal.sqlite-shm", "control.sock", "notify"):
    try:
        os.remove(os.path.join(work, name))
    except FileNotFoundError:
        pass

children = []


def stop_children():
    # On failure too: an abandoned qfposd under valgrind would run on unseen.
    for child in reversed(children):
        if child.poll() is None:
            child.kill()
            child.wait()


atexit.register(stop_children)
sandbox = subprocess.Popen([bin_dir + "/qfpay-sandbox", "--port", "0", "--qr-pay-after", "0.3"],
                           stdout=subprocess.PIPE, text=True)
children.append(sandbox)
url = sandbox.stdout.readline().split()[-1]
scanner_master, scanner_slave = pty.openpty()
scanner_path = os.ttyname(scanner_slave)
with open(work + "/key", "w") as key:
    key.write("615ED178BA524459976CE40FAB78000F\n")
os.chmod(work + "/key", 0o600)
with open(work + "/qfposd.yaml", "w") as config:
    config.write(f"""gateway:
  environment: sandbox
  base_url: {url}
  app_code: 6D5A2E9F0B1C4D3E8F7A6B5C4D3E2F1A
  mchid: BvDtmKJA5mx7GpN0
  key_file: {work}/key
shop:
  name: 見本商店
  address: 東京都千代田区1-1
lanes:
  ids: [l0, l1, l2, l3]
  l0:
    scanner:
      path: {scanner_path}
      baud: 9600
      suffix: cr
    printer:
      path: {work}/l0.prn
      profile: epson-tm-m30-jp
  l1:
    printer:
      path: {work}/l1.prn
payments:
  poll_interval_seconds: "0.05-0.1"
journal:
  path: {work}/journal.sqlite
control:
  socket_path: {work}/control.sock
log:
  level: info
""")


def connect_control():
    for _ in range(1200):
        try:
            connection = socket.socket(socket.AF_UNIX)
            connection.connect(work + "/control.sock")
            return connection
        except OSError:
            time.sleep(0.05)
    sys.exit("qfposd's control socket did not appear")


# First a crash (power cut, kill -9) with a sale pending, by a daemon outside the wrapper: the
# profiled daemon then starts as a till's daemon usually does, on a journal whose WAL is still
# there, and resumes the sale.
crashed = subprocess.Popen([bin_dir + "/qfposd", "--config", work + "/qfposd.yaml"],
                           stderr=open(work + "/crashed.log", "w"))
children.append(crashed)
till = connect_control()
till.sendall(b'{"jsonrpc":"2.0","id":1,"method":"sale.start","params":{"amount":250,"order_id":"W-CRASH",'
             b'"lane":"l1","auth_code":"130000012099999999"}}\n')
till.makefile("r").readline()
time.sleep(0.3)
crashed.kill()
crashed.wait()
till.close()

notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
notify.bind(work + "/notify")
environment = dict(os.environ, NOTIFY_SOCKET=work + "/notify", WATCHDOG_USEC="2000000")
daemon = subprocess.Popen(wrapper + [bin_dir + "/qfposd", "--config", work + "/qfposd.yaml"], env=environment,
                          stderr=open(work + "/qfposd.log", "w"))
children.append(daemon)
notify.settimeout(600)
while b"READY=1" not in notify.recv(4096):
    pass

control = connect_control()
reader = control.makefile("r")
events = socket.socket(socket.AF_UNIX)
events.connect(work + "/control.sock")
events.sendall(b'{"jsonrpc":"2.0","id":1,"method":"events.subscribe"}\n')
next_id = [0]


def call(method, params=None):
    next_id[0] += 1
    request = {"jsonrpc": "2.0", "id": next_id[0], "method": method, "params": params or {}}
    control.sendall((json.dumps(request) + "\n").encode())
    while True:
        message = json.loads(reader.readline())
        if message.get("id") == next_id[0]:
            return message


def wait_final(sale_id):
    result = {}
    for _ in range(600):
        result = call("sale.get", {"sale_id": sale_id}).get("result", {})
        if result.get("final"):
            return result
        time.sleep(0.05)
    sys.exit(f"sale {sale_id} did not settle: {result}")


call("daemon.status")
call("devices.list")
wait_final("W-CRASH")
for i in range(rounds):
    lane = f"l{i % 4}"
    call("sale.start", {"amount": 100 + i, "order_id": f"W-OK-{i}", "lane": lane, "auth_code": f"1300000000{i:08d}"})
    wait_final(f"W-OK-{i}")
    call("sale.start", {"amount": 150, "order_id": f"W-SCAN-{i}", "lane": "l0"})
    time.sleep(0.05)
    os.write(scanner_master, f"1300000100{i:08d}\r".encode())
    wait_final(f"W-SCAN-{i}")
    os.write(scanner_master, b"4901234567894\r")  # a product barcode: rejected, nothing lost
    call("sale.start", {"amount": 200, "order_id": f"W-PEND-{i}", "lane": lane, "auth_code": f"13000001020{i:07d}"})
    wait_final(f"W-PEND-{i}")
    call("sale.refund", {"sale_id": f"W-OK-{i}", "amount": 50})
    call("sale.start", {"amount": 300, "order_id": f"W-QR-{i}", "lane": lane, "mode": "qr", "wallet": "wechat"})
    wait_final(f"W-QR-{i}")
    call("sale.start", {"amount": 400, "order_id": f"W-CX-{i}", "lane": lane})
    call("sale.cancel", {"sale_id": f"W-CX-{i}"})
    call("sale.start", {"amount": 500, "order_id": f"W-DEC-{i}", "lane": lane, "auth_code": f"13000012000{i:07d}"})
    wait_final(f"W-DEC-{i}")
    call("receipt.reprint", {"sale_id": f"W-OK-{i}"})
    call("sale.get", {"sale_id": "NO-SUCH-SALE"})
    call("no.such.method")
    call("sale.start", {"amount": "12"})
    control.sendall(b"{not json\n")
    reader.readline()
    call("daemon.status")
    call("sale.list", {"limit": 20})
    if i == rounds // 2:
        daemon.send_signal(signal.SIGHUP)
        time.sleep(0.5)


def burst(connection_index, sales):
    # Many tills at once: the contended paths (journal group commits, the gateway's connection
    # limit, several event loops) run only under concurrent load.
    till = socket.socket(socket.AF_UNIX)
    till.connect(work + "/control.sock")
    lines = till.makefile("r")
    for n in range(sales):
        serial = connection_index * 1000 + n
        request = {"jsonrpc": "2.0", "id": n, "method": "sale.start",
                   "params": {"amount": 100, "order_id": f"W-BURST-{serial}", "lane": f"l{connection_index % 4}",
                              "auth_code": f"1300000300{serial:08d}"}}
        till.sendall((json.dumps(request) + "\n").encode())
        while json.loads(lines.readline()).get("id") != n:
            pass
    till.close()


tills = [threading.Thread(target=burst, args=(index, rounds)) for index in range(16)]
for till in tills:
    till.start()
for till in tills:
    till.join()
for _ in range(1200):
    if call("daemon.status")["result"].get("sales_pending") == 0:
        break
    time.sleep(0.1)
print("workload done:", call("daemon.status")["result"].get("state"))
control.close()
events.close()
daemon.send_signal(signal.SIGTERM)
daemon.wait(timeout=600)
sandbox.terminate()
sandbox.wait()

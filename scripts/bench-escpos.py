#!/usr/bin/env python3
"""python-escpos 3.1 side of `make bench` (qfpos-bench calls it; it can also run alone).

Builds the same English dynamic-QR prompt and sale receipt that qfpos's benchmark encodes, with
python-escpos's Dummy printer, native QR (GS ( k) and image QR (GS v 0), and prints one JSON
object: microseconds per receipt and bytes on the wire for each case.

The first run makes a throw-away virtual environment under .build/bench-escpos-venv (or the
directory in QFPOS_BENCH_VENV) and installs python-escpos==3.1 from PyPI into it.
"""
import json
import os
import subprocess
import sys
import timeit

HERE = os.path.dirname(os.path.abspath(__file__))
VENV = os.environ.get("QFPOS_BENCH_VENV", os.path.join(HERE, "..", ".build", "bench-escpos-venv"))
URL = "https://qr.qfpay.example/q/20261127000300020012345678"


def ensure_venv():
    """Re-runs this script inside the venv, creating it and installing python-escpos first."""
    python = os.path.join(VENV, "bin", "python")
    if os.path.realpath(sys.prefix) == os.path.realpath(VENV):
        return
    if not os.path.exists(python):
        subprocess.run([sys.executable, "-m", "venv", VENV], check=True, stdout=sys.stderr)
    check = subprocess.run([python, "-c", "import escpos, importlib.metadata as m; print(m.version('python-escpos'))"],
                           capture_output=True, text=True)
    if check.returncode != 0 or check.stdout.strip() != "3.1":
        subprocess.run([python, "-m", "pip", "install", "-q", "python-escpos==3.1"], check=True,
                       stdout=sys.stderr, stderr=sys.stderr)
    os.execv(python, [python, os.path.abspath(__file__)] + sys.argv[1:])


def qr_prompt(native):
    from escpos.printer import Dummy
    p = Dummy(profile="TM-T88V")
    p.hw("INIT")
    p.set(align="center", bold=True, double_height=True)
    p.textln("Cafe Yamada")
    p.set(align="center", bold=True)
    p.textln("PLEASE PAY")
    p.set(align="center", double_width=True, double_height=True)
    p.textln("JPY 1,200")
    p.set(align="center")
    p.textln("WeChat Pay")
    p.textln("Scan the QR code with your app")
    p.qr(URL, native=native, size=6, center=not native)
    p.textln("Expires 09:46")
    p.textln("POS-20261127-0042")
    p.cut(mode="PART")
    return p.output


def row(label, value, width=48):
    return label + " " * (width - len(label) - len(value)) + value


def sale(native):
    from escpos.printer import Dummy
    p = Dummy(profile="TM-T88V")
    p.hw("INIT")
    p.set(align="center", bold=True, double_height=True)
    p.textln("Cafe Yamada")
    p.set(align="center")
    p.textln("1-1-1 Marunouchi, Chiyoda-ku, Tokyo")
    p.textln("TEL 03-1234-5678")
    p.set(align="center", bold=True)
    p.textln("SALE RECEIPT")
    p.set(align="left")
    p.textln(row("Date", "2026-11-27 09:41"))
    p.textln("Item")
    p.textln(" Blend coffee")
    p.textln("-" * 48)
    p.set(bold=True)
    p.textln(row("Amount", "JPY 1,200"))
    p.set(bold=False)
    p.textln("-" * 48)
    p.textln(row("Wallet", "WeChat Pay"))
    p.textln(row("Transaction", "20261127000300020012345678"))
    p.textln(row("Order", "POS-20261127-0042"))
    p.textln(row("Payer", "oX2b********9fQ"))
    p.set(align="center")
    p.qr(URL, native=native, size=6, center=not native)
    p.textln("Thank you")
    p.cut(mode="PART")
    return p.output


def measure(build, native):
    output = build(native)
    number = 200 if native else 20
    seconds = min(timeit.repeat(lambda: build(native), number=number, repeat=5)) / number
    return {"microseconds": seconds * 1e6, "bytes": len(output)}


def main():
    ensure_venv()
    import importlib.metadata
    result = {
        "version": importlib.metadata.version("python-escpos"),
        "python": sys.version.split()[0],
        "qr-prompt-native": measure(qr_prompt, True),
        "qr-prompt-raster": measure(qr_prompt, False),
        "sale-native": measure(sale, True),
        "sale-raster": measure(sale, False),
    }
    if "--out" in sys.argv:
        with open(sys.argv[sys.argv.index("--out") + 1], "wb") as f:
            f.write(qr_prompt(True))
    print(json.dumps(result))


if __name__ == "__main__":
    main()

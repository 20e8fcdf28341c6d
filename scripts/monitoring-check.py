#!/usr/bin/env python3
"""The browser and Prometheus side of qfpos's monitoring tests (IntegrationTests/MonitoringTests).

    monitoring-check.py browser --url URL --lane LANE --sale SALE_ID --screenshot PNG
        Loads the status page in Debian's chromium (headless, driven by chromedriver through
        Selenium), checks that the lane and the sale are on it, presses the lane's "Test print"
        button, waits for the page's confirmation, saves a screenshot and prints what it saw as JSON (the line that starts with RESULT).
    monitoring-check.py scrape --url URL
        Reads /metrics and parses it with prometheus_client's text-format parser; prints every
        family's type and every sample (name, labels, value) as JSON (the line that starts with RESULT).

The first run makes a throw-away virtual environment under .build/monitoring-venv (or the
directory in QFPOS_TEST_VENV) and installs selenium and prometheus_client from PyPI into it.
"""
import argparse
import base64
import json
import os
import subprocess
import sys
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
VENV = os.environ.get("QFPOS_TEST_VENV", os.path.join(HERE, "..", ".build", "monitoring-venv"))
PACKAGES = ["selenium==4.51.0", "prometheus_client==0.26.0"]


def ensure_venv():
    """Re-runs this script inside the venv, creating it and installing the packages first."""
    python = os.path.join(VENV, "bin", "python")
    if os.path.realpath(sys.prefix) == os.path.realpath(VENV):
        return
    if not os.path.exists(python):
        subprocess.run([sys.executable, "-m", "venv", VENV], check=True, stdout=sys.stderr)
    wanted = {p.split("==")[0].replace("_", "-"): p.split("==")[1] for p in PACKAGES}
    check = subprocess.run(
        [python, "-c", "import json, importlib.metadata as m; import sys; "
         "print(json.dumps({n: m.version(n) for n in sys.argv[1:]}))"] + list(wanted),
        capture_output=True, text=True)
    installed = json.loads(check.stdout) if check.returncode == 0 else {}
    if installed != wanted:
        subprocess.run([python, "-m", "pip", "install", "-q", "--disable-pip-version-check"] + PACKAGES,
                       check=True, stdout=sys.stderr, stderr=sys.stderr)
    os.execv(python, [python, os.path.abspath(__file__)] + sys.argv[1:])


def browser(args):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    options = webdriver.ChromeOptions()
    options.binary_location = args.chromium
    for flag in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--no-first-run", "--disable-extensions", "--hide-scrollbars", "--force-device-scale-factor=1",
                 "--window-size=%d,900" % args.width, "--user-data-dir=" + args.profile]:
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=args.chromedriver), options=options)
    try:
        driver.set_page_load_timeout(30)
        driver.get(args.url)
        lane = driver.find_element(By.ID, "lane-" + args.lane)
        sales = [{"id": card.find_element(By.TAG_NAME, "code").text, "state": card.get_attribute("data-state")}
                 for card in driver.find_elements(By.CSS_SELECTOR, "article.sale")]
        seen = {
            "title": driver.title,
            "lane_text": lane.text,
            "sales": sales,
            "viewport_meta": len(driver.find_elements(By.CSS_SELECTOR, "meta[name=viewport]")),
            "scripts": len(driver.find_elements(By.TAG_NAME, "script")),
        }
        driver.find_element(By.ID, "test-print-" + args.lane).click()
        notice = WebDriverWait(driver, 20).until(expected_conditions.presence_of_element_located((By.ID, "notice")))
        seen["notice"] = notice.text
        seen["url_after"] = driver.current_url
        # The whole page in one picture: the viewport made as tall as the document (DevTools).
        height = driver.execute_script("return document.documentElement.scrollHeight")
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
            "width": args.width, "height": min(height, 4000), "deviceScaleFactor": 1, "mobile": False})
        shot = driver.execute_cdp_cmd("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True})
        with open(args.screenshot, "wb") as out:
            out.write(base64.b64decode(shot["data"]))
        seen["screenshot"] = args.screenshot
    finally:
        driver.quit()
    print("RESULT " + json.dumps(seen))


def scrape(args):
    from prometheus_client.parser import text_string_to_metric_families

    with urllib.request.urlopen(args.url, timeout=10) as response:
        content_type = response.headers.get("Content-Type", "")
        text = response.read().decode("utf-8")
    families = []
    for family in text_string_to_metric_families(text):
        families.append({
            "name": family.name, "type": family.type,
            "samples": [{"name": s.name, "labels": s.labels, "value": s.value} for s in family.samples],
        })
    print("RESULT " + json.dumps({"content_type": content_type, "families": families}))


def main():
    parser = argparse.ArgumentParser()
    commands = parser.add_subparsers(dest="command", required=True)
    page = commands.add_parser("browser")
    page.add_argument("--url", required=True)
    page.add_argument("--lane", required=True)
    page.add_argument("--screenshot", required=True)
    page.add_argument("--profile", required=True, help="a fresh directory for chromium's profile")
    page.add_argument("--width", type=int, default=430)
    page.add_argument("--chromium", default="/usr/bin/chromium")
    page.add_argument("--chromedriver", default="/usr/bin/chromedriver")
    metrics = commands.add_parser("scrape")
    metrics.add_argument("--url", required=True)
    args = parser.parse_args()
    ensure_venv()
    browser(args) if args.command == "browser" else scrape(args)


if __name__ == "__main__":
    main()

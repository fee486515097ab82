"""The HTML connections report as an operator sees it: opened in headless Chromium, read, photographed.

Without Chromium and its driver the test skips with the reason; under CI=true that is a failure.
"""

import os
import shutil
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

from extranet.inventory import load_inventory
from extranet.report import Format, Lang, build, render

from ..conftest import REPO
from ..unit.test_report import NOW, seed

CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
SCREENSHOT = REPO / "var" / "test-artifacts" / "report.png"


def require_chromium() -> None:
    missing = [path for path in (CHROMIUM, CHROMEDRIVER) if not shutil.which(path)]
    if not missing:
        return
    reason = f"{', '.join(missing)} missing (Debian packages chromium, chromium-driver)"
    if os.environ.get("CI") == "true":
        pytest.fail(f"browser tests cannot run under CI=true: {reason}")
    pytest.skip(reason)


@pytest.fixture
def browser() -> Iterator[webdriver.Chrome]:
    require_chromium()
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1400,1000"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def test_report_reads_in_chinese_in_chromium_with_charts_no_errors(browser: webdriver.Chrome, tmp_path: Path) -> None:
    inv = load_inventory(REPO / "inventory")
    report = build(seed(tmp_path / "report.db", list(inv.departments)), inv, NOW - timedelta(days=30), NOW)
    page = tmp_path / "report.html"
    page.write_text(render(report, Format.HTML, Lang.ZH), encoding="utf-8")
    browser.get(page.as_uri())

    assert browser.title == "云岭县 政务外网部门连通情况报告 #3"
    rows = browser.find_elements(By.CSS_SELECTOR, "tr.department")
    assert len(rows) == 32
    shown = {row.get_attribute("data-id"): row.text for row in rows}
    assert shown["jyj"].startswith("云岭县教育局 jyj") and "双栈正常" in shown["jyj"]
    assert "中断" in shown["gaj"] and "IPv4：核心 198.18.0.1 无应答（超时）" in shown["gaj"]
    assert "仅IPv4" in shown["vil-qj-cwh"] and "未探测" in shown["rmt"]
    assert [h.text for h in browser.find_elements(By.TAG_NAME, "h3")][:3] == ["云岭县 24", "城关街道 2", "桥头镇 2"]
    for chart in ("chart-status", "chart-readiness", "chart-trend"):
        svg = browser.find_element(By.CSS_SELECTOR, f"#{chart} svg")
        assert svg.size["width"] > 300 and svg.size["height"] > 50, chart
    assert len(browser.find_elements(By.CSS_SELECTOR, "#chart-trend circle")) == 3
    assert browser.find_element(By.CSS_SELECTOR, "#readiness tr[data-level='township']").text.endswith("80.0% 80.0%")
    assert [e for e in browser.get_log("browser") if e["level"] == "SEVERE"] == []  # type: ignore[no-untyped-call]

    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    height = browser.execute_script("return document.documentElement.scrollHeight")
    browser.set_window_size(1400, min(height + 100, 6000))
    assert browser.save_screenshot(str(SCREENSHOT))

"""The web page, opened from disk in a real browser (Debian's chromium and chromium-driver,
driven by selenium): no console errors, nothing from the network, the slider moves the
still and the GIF, marks are chapters, J/K/L shuttle, and it fits a phone."""

from __future__ import annotations

import contextlib
import shutil
import tempfile
import time
from pathlib import Path

import pytest

from core.export import export_web, open_job
from core.marks import Mark, MarkSet

from .conftest import run

webdriver = pytest.importorskip("selenium.webdriver")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")
pytestmark = pytest.mark.skipif(
    not (CHROMIUM and DRIVER), reason="needs Debian's chromium and chromium-driver"
)

HOSTILE = "<img src=x onerror=\"document.title='owned'\"></script>"


@contextlib.contextmanager
def start_browser():
    """A fresh headless Chromium (the leak guard ends child processes after each test)."""
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="framefan-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for arg in (
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run",
        f"--user-data-dir={profile}", "--window-size=1280,900",
    ):  # fmt: skip
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(str(DRIVER)))
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture
def browser():
    with start_browser() as driver:
        yield driver


@pytest.fixture
def page(job_dir: Path, tmp_path: Path, browser):
    marks = MarkSet.load(job_dir)
    marks.add(Mark(1.0, 2.0, "Take A", "first take"))
    marks.add(Mark(6.0, None, HOSTILE, HOSTILE))
    marks.save()
    result = run(export_web(open_job(job_dir), tmp_path / "web"))
    browser.set_window_size(1280, 900)
    browser.get((result.folder / "index.html").as_uri())
    browser.get_log("browser")  # start each test with an empty log
    browser.get((result.folder / "index.html").as_uri())
    return browser


def src(driver, element_id: str) -> str:
    return driver.find_element("id", element_id).get_attribute("src")


def test_loads_from_disk_without_errors_or_network(page) -> None:
    errors = [e for e in page.get_log("browser") if e["level"] in ("SEVERE", "WARNING")]
    assert errors == []
    # Every file the page refers to is on disk, and nothing names a web address.
    urls = page.execute_script(
        "return [...document.querySelectorAll('[src],[href]')].map(e => e.src || e.href)"
    )
    assert len(urls) >= 4 and all(url.startswith("file://") for url in urls)
    folder = Path(page.current_url.removeprefix("file://")).parent
    for name in ("index.html", "player.css", "player.js"):
        text = (folder / name).read_text(encoding="utf-8")
        assert "http://" not in text and "https://" not in text
    loaded = page.execute_script(
        "return [still, gif].map(i => i.complete && i.naturalWidth > 0)".replace(
            "still", "document.getElementById('still')"
        ).replace("gif", "document.getElementById('gif')")
    )
    assert loaded == [True, True]
    assert page.find_element("id", "time").text == "01:00:00:00"


def test_moving_the_slider_changes_still_and_gif(page) -> None:
    still, gif = src(page, "still"), src(page, "gif")
    assert still.endswith("frames/000000.jpg") and gif.endswith("gifs/00000.gif")
    slider = page.find_element("id", "slider")
    page.execute_script(
        "arguments[0].value = '7'; arguments[0].dispatchEvent(new Event('input'))", slider
    )
    assert src(page, "still").endswith("frames/000007.jpg")
    assert src(page, "gif").endswith("gifs/00002.gif")
    assert page.find_element("id", "time").text == "01:00:07:00"
    # The keyboard too: a step back, then ten seconds back to the start.
    from selenium.webdriver.common.keys import Keys

    slider.send_keys(Keys.ARROW_LEFT)
    assert src(page, "still").endswith("frames/000006.jpg")
    slider.send_keys(Keys.SHIFT, Keys.ARROW_LEFT)
    assert src(page, "still").endswith("frames/000000.jpg")
    assert src(page, "gif").endswith("gifs/00000.gif")


def test_marks_are_chapters_and_never_html(page) -> None:
    buttons = page.find_elements("css selector", "#chapters button")
    assert len(buttons) == 2
    assert HOSTILE in buttons[1].text  # shown as text
    assert page.title != "owned" and not page.find_elements("css selector", "#chapters img")
    buttons[1].click()
    assert src(page, "still").endswith("frames/000006.jpg")
    assert src(page, "gif").endswith("gifs/00002.gif")
    page.find_elements("css selector", "#bar-marks button")[0].click()
    assert src(page, "still").endswith("frames/000001.jpg")


def test_hover_shows_a_thumbnail(page) -> None:
    from selenium.webdriver.common.action_chains import ActionChains

    slider = page.find_element("id", "slider")
    width = slider.size["width"]
    ActionChains(page).move_to_element_with_offset(slider, width // 4, 0).perform()
    hover = page.find_element("id", "hover")
    assert hover.is_displayed()
    thumb = page.find_element("id", "hover-thumb").value_of_css_property("background-image")
    assert "sprites/sprite-000.jpg" in thumb
    assert page.find_element("id", "hover-time").text.startswith("01:00:0")


def test_j_k_l_shuttle(page) -> None:
    body = page.find_element("tag name", "body")
    body.send_keys("l")
    deadline = time.monotonic() + 10
    while src(page, "still").endswith("frames/000000.jpg"):
        assert time.monotonic() < deadline, "L did not play"
        time.sleep(0.05)
    body.send_keys("k")
    stopped = (src(page, "still"), page.find_element("id", "time").text)
    time.sleep(0.5)
    assert (src(page, "still"), page.find_element("id", "time").text) == stopped
    body.send_keys("j")
    deadline = time.monotonic() + 10
    while not src(page, "still").endswith("frames/000000.jpg"):
        assert time.monotonic() < deadline, "J did not play backwards"
        time.sleep(0.05)


def test_fits_a_phone(page) -> None:
    page.set_window_size(390, 844)
    still = page.find_element("id", "still").rect
    gif = page.find_element("id", "gif").rect
    assert gif["y"] >= still["y"] + still["height"]  # one column
    overflow = page.execute_script(
        "return document.documentElement.scrollWidth > window.innerWidth"
    )
    assert not overflow

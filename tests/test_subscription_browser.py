"""The subscription center end to end in a real browser (issue 14, "How it will be checked"):
headless Chromium (Debian's /usr/bin/chromium, no browser can be downloaded here) driven by
Playwright against the real waitress server, the confirmation caught by a local aiosmtpd,
the digests sent by the real `newsfeed send` command.

Screenshots at 375 px and 1280 px go to $NEWSFEED_SCREENSHOTS (or the test's tmp folder)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from centerfixture import center, link_in  # noqa: F401  (the center fixture)
from test_send import SECRET, smtp  # noqa: F401

CHROMIUM = Path("/usr/bin/chromium")
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed: pip install -e '.[test]'")
pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="no /usr/bin/chromium: apt-get install chromium (.ci/run does)")

CLI = [sys.executable, "-c", "import sys; from newsfeed.cli import main; sys.exit(main())"]
WIDTHS = (375, 1280)


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as playwright:
        # --no-sandbox: CI runs as root, where Chromium's sandbox cannot start
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox"])
        yield launched
        launched.close()


@pytest.fixture
def shots(tmp_path) -> Path:
    folder = Path(os.environ.get("NEWSFEED_SCREENSHOTS") or tmp_path / "screens")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def box(page, name: str):
    """The checkbox of a section or topic ("Timnas Indonesia (6 berita)")."""
    return page.get_by_role("checkbox", name=re.compile(rf"^{re.escape(name)}( \(|$)"))


def newsfeed_send(center, week: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "NEWSFEED_SECRET": SECRET}
    done = subprocess.run([*CLI, "send", "--week", week, "--config", str(center.settings.path)], capture_output=True, text=True,
                          timeout=120, env=env)
    assert done.returncode == 0, done.stderr
    return done


def sections_in(message) -> set[str]:
    text = message.get_body(("plain",)).get_content()
    return {name for name in ("Dunia", "Ekonomi", "Olahraga") if f"Kabar {name} " in text}


def fits(page, width: int) -> None:
    """Nothing wider than the window: no sideways scrolling on a phone; every control inside."""
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    for box in page.locator("input:not([type=hidden]):not([name=situs]), button, select").evaluate_all(
            "els => els.map(e => { const r = e.getBoundingClientRect(); return [r.left, r.right, r.height]; })"):
        assert 0 <= box[0] and box[1] <= width and box[2] >= 20, box


def screenshot(page, shots: Path, name: str) -> None:
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        fits(page, width)
        page.screenshot(path=str(shots / f"{name}-{width}.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


def test_subscribe_confirm_send_change_preferences_in_a_browser(browser, center, shots):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.set_default_timeout(10_000)
    console, failed = [], []
    page.on("console", lambda m: console.append(m.text) if "Failed to load resource" not in m.text else None)
    page.on("response", lambda r: failed.append(r.url) if r.status >= 400 and not r.url.endswith("/favicon.ico") else None)
    page.goto(f"{center.base}/langganan")
    assert page.title() == "Berlangganan ringkasan mingguan - Kabar Uji"
    screenshot(page, shots, "langganan")
    # search the topics by name (a GET filter: no JavaScript), then fill the form in
    page.get_by_label("Cari topik", exact=True).fill("timnas")
    page.get_by_role("button", name="Cari").click()
    page.wait_for_url("**/langganan/?cari=timnas")
    assert page.locator("input[name=topik]").evaluate_all("els => els.map(e => e.value)") == ["timnas-indonesia"]
    page.get_by_label("Alamat surel", exact=True).fill("Pembaca@Contoh.co.id")
    page.get_by_label("Nama (boleh dikosongkan)", exact=True).fill("Pembaca Setia")
    box(page, "Dunia").check()
    box(page, "Timnas Indonesia").check()
    page.locator("input[name=setuju]").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Berlangganan").click()
    assert page.locator("h1").inner_text() == "Periksa kotak masuk Anda"
    assert "pembaca@" not in page.content().lower()
    screenshot(page, shots, "terkirim")
    # the confirmation arrived at aiosmtpd while the page loaded; open its link, press the button
    assert [r for r, _m in center.smtp.messages] == ["pembaca@contoh.co.id"]
    page.goto(center.local(link_in(center.smtp.for_("pembaca@contoh.co.id")[0], "/konfirmasi?token=")))
    assert center.subscriber("pembaca@contoh.co.id").status == "pending"
    screenshot(page, shots, "konfirmasi")
    with page.expect_navigation():
        page.get_by_role("button", name="Ya, konfirmasi").click()
    assert "dikonfirmasi" in page.locator("h1").inner_text().lower()
    found = center.subscriber("pembaca@contoh.co.id")
    assert (found.status, found.sections, found.topics) == ("confirmed", ("dunia",), ("timnas-indonesia",))
    # newsfeed send: Dunia, and the Timnas stories (Olahraga) as the topic asked
    newsfeed_send(center, "2024-W42")
    digest = center.smtp.for_("pembaca@contoh.co.id")[1]
    assert sections_in(digest) == {"Dunia", "Olahraga"}
    # its preferences link: another section, no topic
    page.goto(center.local(link_in(digest, "/preferensi?token=")))
    assert page.locator("h1").inner_text() == "Atur langganan"
    assert box(page, "Dunia").is_checked() and box(page, "Timnas Indonesia").is_checked()
    screenshot(page, shots, "preferensi")
    box(page, "Dunia").uncheck()
    box(page, "Ekonomi").check()
    box(page, "Timnas Indonesia").uncheck()
    with page.expect_navigation():
        page.get_by_role("button", name="Simpan preferensi").click()
    assert page.get_by_text("Preferensi Anda tersimpan").is_visible()
    found = center.subscriber("pembaca@contoh.co.id")
    assert (found.sections, found.topics) == (("ekonomi",), ())
    # the next send honours them
    newsfeed_send(center, "2024-W43")
    assert sections_in(center.smtp.for_("pembaca@contoh.co.id")[2]) == {"Ekonomi"}
    assert console == [] and failed == []  # nothing complained (CSP violations land in the console), nothing missing
    page.close()


def _tab_to(page, selector: str, limit: int = 40) -> list[str]:
    """Press Tab until `selector` has the focus; what got the focus on the way."""
    seen = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"document.activeElement.matches({selector!r})"):
            return seen
        seen.append(page.evaluate("(e => e.name || e.id || e.textContent.trim().slice(0, 20))(document.activeElement)"))
    raise AssertionError(f"{selector} never got the focus; focus went {seen}")


def _focus_ring(page) -> tuple[str, str]:
    return tuple(page.evaluate("(s => [s.outlineStyle, s.outlineWidth])(getComputedStyle(document.activeElement))"))


def test_keyboard_only(browser, center, shots):
    page = browser.new_page(viewport={"width": 375, "height": 800})
    page.goto(f"{center.base}/langganan/")
    page.keyboard.press("Tab")  # the first stop: the skip link, shown when focused
    assert page.evaluate("document.activeElement.textContent") == "Langsung ke isi"
    assert page.locator("a.skip").is_visible() and _focus_ring(page) == ("solid", "3px")
    page.keyboard.press("Enter")
    skipped = _tab_to(page, "#surel")
    assert skipped == []  # after the skip link, straight to the address
    assert _focus_ring(page) == ("solid", "3px")
    page.keyboard.type("papan.ketik@contoh.co.id")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "nama"  # the honeypot is never reached
    way = _tab_to(page, "input[value=ekonomi]")
    assert "situs" not in way
    assert _focus_ring(page) == ("solid", "3px")
    page.keyboard.press("Space")
    _tab_to(page, "input[name=setuju]")
    page.keyboard.press("Space")
    page.screenshot(path=str(shots / "keyboard-375.png"), full_page=False)
    _tab_to(page, "button[type=submit]:not([form])")
    assert _focus_ring(page) == ("solid", "3px")
    page.keyboard.press("Enter")
    page.wait_for_url("**/langganan/daftar")
    assert page.locator("h1").inner_text() == "Periksa kotak masuk Anda"
    assert center.subscriber("papan.ketik@contoh.co.id").sections == ("ekonomi",)
    # the confirmation page, by keyboard too
    page.goto(center.local(link_in(center.smtp.for_("papan.ketik@contoh.co.id")[0], "/konfirmasi?token=")))
    _tab_to(page, "button")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "dikonfirmasi" in page.locator("h1").inner_text().lower()
    assert center.subscriber("papan.ketik@contoh.co.id").status == "confirmed"
    page.close()


def test_errors_are_announced_and_linked_to_their_fields(browser, center, shots):
    page = browser.new_page(viewport={"width": 375, "height": 800})
    page.goto(f"{center.base}/langganan/")
    page.get_by_label("Alamat surel", exact=True).fill("bukan alamat")
    with page.expect_navigation():
        page.get_by_role("button", name="Berlangganan").click()
    alert = page.get_by_role("alert")
    assert alert.is_visible() and "Periksa isian Anda" in alert.text_content()
    screenshot(page, shots, "kesalahan")
    page.get_by_role("link", name="Masukkan alamat surel yang benar").click()
    assert page.evaluate("location.hash") == "#surel"
    field = page.get_by_label("Alamat surel", exact=True)
    assert field.get_attribute("aria-invalid") == "true" and field.input_value() == "bukan alamat"
    assert center.subscriber("bukan alamat") is None and center.smtp.messages == []
    page.close()


def test_unsubscribe_come_back_export_and_erase_in_a_browser(browser, center, shots):
    import json

    from conftest import NOW
    from newsfeed import core
    from newsfeed.store import subscribers as ledger
    from newsfeed.tokens import preferences_url

    with core.open_store(center.settings) as store:
        ledger.add(store, "data@contoh.co.id", "Dina", ("dunia",), NOW, confirmed=True)
        found = ledger.get(store, "data@contoh.co.id")
    page = browser.new_page(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page.set_default_timeout(10_000)
    page.goto(center.local(preferences_url(center.settings, SECRET.encode(), found.id, found.email)))
    with page.expect_navigation():
        page.get_by_role("button", name="Berhenti berlangganan").click()
    assert page.locator("h1").inner_text() == "Anda telah berhenti berlangganan"
    assert center.subscriber(found.email).status == "unsubscribed"
    screenshot(page, shots, "berhenti")
    with page.expect_navigation():
        page.get_by_role("button", name="Berlangganan lagi").click()
    assert page.locator("h1").inner_text() == "Selamat datang kembali"
    assert center.subscriber(found.email).status == "confirmed"
    # a data request: the link comes by mail
    page.goto(f"{center.base}/langganan/data")
    screenshot(page, shots, "data-minta")
    page.get_by_label("Alamat surel", exact=True).fill("data@contoh.co.id")
    with page.expect_navigation():
        page.get_by_role("button", name="Kirim tautan").click()
    assert page.locator("h1").inner_text() == "Periksa kotak masuk Anda"
    page.goto(center.local(link_in(center.smtp.for_("data@contoh.co.id")[0], "/data/kelola?token=")))
    screenshot(page, shots, "data-kelola")
    with page.expect_download() as waiting:
        page.get_by_role("button", name="Unduh data saya").click()
    download = waiting.value
    assert download.suggested_filename == "data-langganan.json"
    data = json.loads(Path(download.path()).read_text(encoding="utf-8"))
    assert (data["email"], data["name"], data["sections"]) == ("data@contoh.co.id", "Dina", ["dunia"])
    page.get_by_label("Ya, hapus semua data saya.", exact=True).check()
    with page.expect_navigation():
        page.get_by_role("button", name="Hapus data saya").click()
    assert page.locator("h1").inner_text() == "Data Anda telah dihapus"
    assert center.subscriber("data@contoh.co.id") is None
    page.close()

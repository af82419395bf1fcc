"""The Studio in real headless Chromium (Debian's ``chromium``, driven by Playwright's Python
package; no browser is downloaded): sign in, create a video from two uploaded images with a QR
outro, follow it to 100 %, play it, translate it to Spanish and see the new version.

Screenshots at desktop and phone widths are written to the test's tmp directory (and, when
``REELFORGE_STUDIO_SCREENSHOTS`` names a directory, copied there: that is how docs/ gets its
pictures)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image, ImageDraw

from support import ReelforgeServer

sync_api = pytest.importorskip("playwright.sync_api")

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
DESKTOP = {"width": 1280, "height": 860}
PHONE = {"width": 390, "height": 844}
RENDER_TIMEOUT_MS = 420_000  # a two-scene render, then its translation, on a shared 2-core machine

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian chromium not installed (scripts/setup.sh)")


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def small_image(path: Path, seed: int) -> Path:
    """A small flat "product" picture: small images keep the render short."""
    colours = ["#e76f51", "#2a9d8f", "#264653", "#f4a261"]
    img = Image.new("RGB", (320, 240), colours[seed % 4])
    draw = ImageDraw.Draw(img)
    draw.ellipse((80, 40, 240, 200), fill=colours[(seed + 1) % 4])
    img.save(path, format="PNG")
    return path


def screenshot(page: object, tmp_path: Path, name: str) -> Path:
    out = tmp_path / f"{name}.png"
    page.screenshot(path=str(out), full_page=True)  # type: ignore[attr-defined]
    wanted = os.environ.get("REELFORGE_STUDIO_SCREENSHOTS")
    if wanted:
        Path(wanted).mkdir(parents=True, exist_ok=True)
        shutil.copy(out, Path(wanted) / out.name)
    return out


def video_duration(locator: object) -> float:
    """The duration the <video> element reports once its metadata has loaded (NaN before)."""
    locator.wait_for(state="attached")  # type: ignore[attr-defined]
    handle = locator.element_handle()  # type: ignore[attr-defined]
    handle.wait_for_element_state("visible")
    page = handle.owner_frame().page
    page.wait_for_function("v => v.readyState >= 1 && v.duration > 0", arg=handle, timeout=60_000)
    return float(handle.evaluate("v => v.duration"))


@pytest.mark.timeout(1200)
def test_sign_in_create_play_and_translate(server: ReelforgeServer, browser: object, tmp_path: Path) -> None:
    key = server.new_key(credits=100_000, name="studio")
    images = [str(small_image(tmp_path / f"photo{i}.png", i)) for i in range(2)]
    context = browser.new_context(viewport=DESKTOP)  # type: ignore[attr-defined]
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    # Sign in: a wrong key is refused with a message; the right one opens the gallery.
    page.goto(server.base_url + "/studio")
    page.get_by_label("API key").fill("rf_live_wrong")
    page.get_by_role("button", name="Sign in").click()
    sync_api.expect(page.get_by_role("alert")).to_contain_text("not valid")
    page.get_by_label("API key").fill(key)
    page.get_by_role("button", name="Sign in").click()
    sync_api.expect(page.get_by_role("heading", name="Gallery")).to_be_visible()
    sync_api.expect(page.get_by_test_id("header-credits")).to_have_text("100,000 credits")

    # New video: two uploaded images, a short prompt, a CTA with the QR outro.
    page.get_by_role("link", name="New video").click()
    page.get_by_label("Upload images").set_input_files(images)
    sync_api.expect(page.locator(".thumb")).to_have_count(2)
    page.get_by_label("Prompt").fill("A short look at two colourful products.")
    page.get_by_label("Language").select_option("en")
    page.get_by_label("CTA URL").fill("https://shop.example.com/studio")
    sync_api.expect(page.get_by_label("End with a QR-code outro of the CTA URL")).to_be_checked()
    page.get_by_role("button", name="Create video").click()

    percent = page.get_by_test_id("percent")
    sync_api.expect(percent).to_be_visible()
    sync_api.expect(percent).to_have_text("100 %", timeout=RENDER_TIMEOUT_MS)
    player = page.locator(".progress-panel video")
    duration = video_duration(player)
    assert duration > 3, duration  # two scenes and the outro
    page.wait_for_timeout(300)
    screenshot(page, tmp_path, "studio-new-video-desktop")

    # The gallery shows it with its badges; translate it to Spanish.
    page.get_by_role("link", name="Gallery").click()
    cards = page.locator("article.session")
    sync_api.expect(cards).to_have_count(1)
    sync_api.expect(cards.first.locator(".badge.lang")).to_have_text("English")
    sync_api.expect(cards.first.locator(".badges")).to_contain_text("Subtitles")
    cards.first.get_by_role("button", name="Translate").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Translate to").select_option("es")
    dialog.get_by_role("button", name="Start").click()
    sync_api.expect(page.locator(".tray [data-testid=percent]")).to_have_text("100 %", timeout=RENDER_TIMEOUT_MS)

    # The new version appears beside the original and plays.
    sync_api.expect(cards).to_have_count(2, timeout=30_000)
    spanish = cards.filter(has=page.locator(".badge.lang", has_text="Spanish"))
    sync_api.expect(spanish).to_have_count(1)
    assert video_duration(spanish.locator("video")) > 3
    page.locator(".tray").evaluate("t => t.replaceChildren()")  # the finished jobs out of the picture
    page.evaluate("() => window.scrollTo(0, 0)")
    screenshot(page, tmp_path, "studio-gallery-desktop")

    page.set_viewport_size(PHONE)
    page.wait_for_timeout(300)
    phone = screenshot(page, tmp_path, "studio-gallery-phone")
    # At phone width nothing spills sideways: the page is no wider than the screen.
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
    assert Image.open(phone).size[0] == PHONE["width"]

    page.get_by_role("link", name="Credits").click()
    sync_api.expect(page.get_by_role("table")).to_contain_text("charge")
    screenshot(page, tmp_path, "studio-credits-phone")
    assert not errors, errors
    context.close()

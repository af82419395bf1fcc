"""The Studio in real headless Chromium (Debian's ``chromium``, driven by Playwright's Python
package; no browser is downloaded): sign in, create a video from two uploaded images with a QR
outro (its price quoted before submitting, charged as quoted), follow it to 100 % on the progress
event stream (frames encoded, stage previews), play it, translate it to Spanish and see the new version.

Screenshots at desktop and phone widths are written to the test's tmp directory (and, when
``REELFORGE_STUDIO_SCREENSHOTS`` names a directory, copied there: that is how docs/ gets its
pictures)."""

from __future__ import annotations

import base64
import contextlib
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image, ImageDraw

from support import ReelforgeServer, wait_status
from support.platform_flows import expire, external_session, identity

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
AXE = Path(__file__).parent / "node_modules" / "axe-core" / "axe.min.js"  # scripts/setup.sh installs it
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
    """A full-page PNG once every <video> shows its first frame, without the passing toast."""
    page.evaluate("() => { document.getElementById('announcer').textContent = ''; }")  # type: ignore[attr-defined]
    # Chromium draws a spinner over a <video> until it has data beyond the current frame: show each
    # at 2 s (past the first subtitle's start) fully buffered. A nicer picture, not a test condition.
    page.evaluate(  # type: ignore[attr-defined]
        "() => document.querySelectorAll('video').forEach(v => { v.preload = 'auto'; v.currentTime = 2; })"
    )
    with contextlib.suppress(sync_api.TimeoutError):
        page.wait_for_function(  # type: ignore[attr-defined]
            "() => [...document.querySelectorAll('video')].every(v => v.readyState >= 3 && !v.seeking)",
            timeout=15_000,
        )
    out = tmp_path / f"{name}.png"
    page.screenshot(path=str(out), full_page=True)  # type: ignore[attr-defined]
    wanted = os.environ.get("REELFORGE_STUDIO_SCREENSHOTS")
    if wanted:
        Path(wanted).mkdir(parents=True, exist_ok=True)
        shutil.copy(out, Path(wanted) / out.name)
    return out


def assert_accessible(page: object, where: str) -> None:
    """No WCAG 2 A/AA violations that axe-core finds (labels, names, contrast, ARIA, landmarks)."""
    assert AXE.exists(), "axe-core missing: run scripts/setup.sh"
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):  # type: ignore[attr-defined]
        page.add_script_tag(path=str(AXE))  # type: ignore[attr-defined]
    violations = page.evaluate(  # type: ignore[attr-defined]
        """async () => (await axe.run(document, {runOnly: ['wcag2a', 'wcag2aa']})).violations
            .map(v => `${v.id}: ${v.nodes.map(n => n.target.join(' ')).join(', ')}`)"""
    )
    assert not violations, (where, violations)


def video_duration(locator: object) -> float:
    """The duration the <video> element reports once its metadata has loaded (NaN before)."""
    locator.wait_for(state="attached")  # type: ignore[attr-defined]
    handle = locator.element_handle()  # type: ignore[attr-defined]
    handle.wait_for_element_state("visible")
    page = handle.owner_frame().page
    page.wait_for_function("v => v.readyState >= 1 && v.duration > 0", arg=handle, timeout=60_000)
    return float(handle.evaluate("v => v.duration"))


def server_quote(server: ReelforgeServer, key: str, images: list[str]) -> int:
    """What the API quotes for the form's request (the images as the Studio sends them: data: URLs)."""
    urls = ["data:image/png;base64," + base64.b64encode(Path(p).read_bytes()).decode() for p in images]
    body = {"image_urls": urls, "prompt": "A short look at two colourful products.", "aspect_ratio": "16:9",
            "language": "en", "enable_subtitles": True, "cta_url": "https://shop.example.com/studio",
            "generate_outro_image": True, "quote_only": True}
    with server.client(key) as c:
        answer = c.post("/v1/video/image_list_to_video", json=body)
    assert answer.status_code == 200, answer.text
    return int(answer.json()["credits"])


def watch_progress(page: object) -> list[str]:
    """Record what the progress panel shows at every change (percent, stage line, previews) and
    the event streams the page opens; :func:`assert_live_progress` reads both afterwards."""
    streams: list[str] = []

    def seen(response: object) -> None:
        if response.url.endswith("/events"):  # type: ignore[attr-defined]
            streams.append(f"{response.status} {response.headers.get('content-type', '')}")  # type: ignore[attr-defined]

    page.on("response", seen)  # type: ignore[attr-defined]
    page.evaluate(  # type: ignore[attr-defined]
        """() => {
          window.__progress = [];
          new MutationObserver(() => {
            const panel = document.querySelector('.progress-area .progress-panel');
            if (!panel) return;
            window.__progress.push({
              percent: parseInt(panel.querySelector('[data-testid=percent]').textContent, 10),
              stage: panel.querySelector('.stage').textContent,
              previews: panel.querySelectorAll('.previews > *').length,
            });
          }).observe(document.body, { subtree: true, childList: true, characterData: true });
        }"""
    )
    return streams


def assert_live_progress(page: object, streams: list[str]) -> None:
    """The panel was driven by the SSE stream (GET /v1/requests/{id}/events): the render's frames
    as they were encoded, stage previews as stages finished, and a percent that never went back."""
    assert any(s.startswith("200 text/event-stream") for s in streams), streams
    seen = page.evaluate("() => window.__progress")  # type: ignore[attr-defined]
    percents = [s["percent"] for s in seen]
    assert percents == sorted(percents), percents
    assert any("encoding frames" in s["stage"] for s in seen), [s["stage"] for s in seen]
    assert max(s["previews"] for s in seen) >= 1, seen[-5:]


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
    page.get_by_label("API key", exact=True).fill("rf_live_wrong")
    page.get_by_role("button", name="Sign in").click()
    sync_api.expect(page.get_by_role("alert")).to_contain_text("not valid")
    assert_accessible(page, "sign in")
    page.get_by_label("API key", exact=True).fill(key)
    page.get_by_role("button", name="Sign in").click()
    sync_api.expect(page.get_by_role("heading", name="Gallery")).to_be_visible()
    sync_api.expect(page.get_by_test_id("header-credits")).to_have_text("100,000 credits")

    # New video: two uploaded images, a short prompt, a CTA with the QR outro.
    page.get_by_role("link", name="New video").click()
    page.get_by_label("Upload images", exact=True).set_input_files(images)
    sync_api.expect(page.locator(".thumb")).to_have_count(2)
    page.get_by_label("Prompt", exact=True).fill("A short look at two colourful products.")
    page.get_by_label("Language", exact=True).select_option("en")
    page.get_by_label("CTA URL", exact=True).fill("https://shop.example.com/studio")
    sync_api.expect(page.get_by_label("End with a QR-code outro of the CTA URL", exact=True)).to_be_checked()
    # The price before submitting: the quote of exactly this form (the CTA typed last), then charged as quoted.
    quote = page.locator("#quote")
    quoted = server_quote(server, key, images)
    sync_api.expect(quote).to_have_text(re.compile(rf"^Costs {quoted} credits"), timeout=30_000)
    assert_accessible(page, "new video form")
    streams = watch_progress(page)
    page.get_by_role("button", name="Create video").click()
    sync_api.expect(quote).to_have_text(f"Charged {quoted} credits.")

    sync_api.expect(page.get_by_test_id("header-credits")).not_to_have_text("100,000 credits")  # charged
    percent = page.get_by_test_id("percent")
    sync_api.expect(percent).to_be_visible()
    sync_api.expect(percent).to_have_text("100 %", timeout=RENDER_TIMEOUT_MS)
    assert_live_progress(page, streams)
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
    dialog.get_by_label("Translate to", exact=True).select_option("es")
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
    assert_accessible(page, "gallery")

    page.set_viewport_size(PHONE)
    page.wait_for_timeout(300)
    phone = screenshot(page, tmp_path, "studio-gallery-phone")
    # At phone width nothing spills sideways: the page is no wider than the screen.
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
    assert Image.open(phone).size[0] == PHONE["width"]

    page.get_by_role("link", name="Credits").click()
    sync_api.expect(page.get_by_role("table")).to_contain_text("charge")
    screenshot(page, tmp_path, "studio-credits-phone")
    assert_accessible(page, "credits")
    assert not errors, errors
    context.close()


@pytest.mark.timeout(300)
def test_keys_image_tools_and_webhooks_pages(server: ReelforgeServer, browser: object, tmp_path: Path) -> None:
    from imaging.receipt_fixtures import english_sample, render_receipt

    key = server.new_key(credits=1_000, name="studio-tools")
    photo = small_image(tmp_path / "photo.png", 3)
    receipt = tmp_path / "receipt.png"
    render_receipt(english_sample()).save(receipt, format="PNG")
    context = browser.new_context(viewport=PHONE)  # type: ignore[attr-defined]
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("dialog", lambda d: d.accept())  # the revoke confirmation
    page.goto(server.base_url + "/studio/#/keys")
    page.get_by_label("API key", exact=True).fill(key)
    page.get_by_role("button", name="Sign in").click()

    # API keys: create one (shown once, and it works), revoke it.
    sync_api.expect(page.get_by_role("heading", name="API keys")).to_be_visible()
    sync_api.expect(page.get_by_role("table")).to_contain_text("active (this session)")
    page.get_by_role("button", name="Create key").click()
    new_key = page.get_by_label("New key — copy it now, it is not shown again", exact=True).input_value()
    with server.client(new_key) as c:
        assert c.get("/v1/credits").json()["credits"] == 1_000
    rows = page.get_by_role("table").locator("tbody tr")
    sync_api.expect(rows).to_have_count(2)
    rows.nth(1).get_by_role("button").click()
    sync_api.expect(rows.nth(1)).to_contain_text("revoked")
    with server.client(new_key) as c:
        assert c.get("/v1/credits").status_code == 401
    assert_accessible(page, "API keys")

    # Image tools: enhance an uploaded picture; a receipt template with its JSON beside the image.
    page.get_by_role("link", name="Image tools").click()
    enhance = page.get_by_role("form", name="Enhance")
    enhance.get_by_label("Upload image", exact=True).set_input_files(str(photo))
    enhance.get_by_role("button", name="Enhance").click()
    result = page.locator(".tool", has=enhance).locator("img.result-img")
    sync_api.expect(result).to_be_visible(timeout=120_000)
    assert page.evaluate("img => img.naturalWidth", result.element_handle()) > 320  # upscaled

    receipts = page.get_by_role("form", name="Receipts")
    receipts.get_by_label("Upload image", exact=True).set_input_files(str(receipt))
    receipts.get_by_role("button", name="Read receipt").click()
    extracted = page.locator(".tool", has=receipts).get_by_label("Extracted JSON")
    sync_api.expect(extracted).to_contain_text("template_id", timeout=120_000)
    sync_api.expect(receipts.get_by_label("Template id", exact=True)).not_to_have_value("")
    page.wait_for_timeout(300)
    screenshot(page, tmp_path, "studio-image-tools-phone")
    assert_accessible(page, "image tools")

    # Webhooks: attempts (none for this account) and a signing secret rotated from the page.
    page.get_by_role("link", name="Webhooks").click()
    sync_api.expect(page.get_by_role("table")).to_contain_text("Nothing yet.")
    sync_api.expect(page.get_by_text("deployment's default secret")).to_be_visible()
    page.get_by_role("button", name="Rotate signing secret").click()
    secret = page.get_by_label("New signing secret — copy it now, it is not shown again", exact=True).input_value()
    sync_api.expect(page.get_by_text("Signing with:")).to_contain_text(secret[:8])
    assert_accessible(page, "webhooks")
    assert not errors, errors
    context.close()


SHORT_VIDEO = {"prompt": "A quiet lake at dawn.", "duration": 5, "image_model": "LOCAL", "video_model": "LOCAL"}


def submitted(c: object, path: str, body: dict[str, object]) -> str:
    r = c.post(path, json=body)  # type: ignore[attr-defined]
    assert r.status_code == 200, r.text
    return str(r.json()["request_id"])


def open_login_link(browser: object, url: str, viewport: dict[str, int]) -> tuple[object, object]:
    """A fresh browser context (nothing stored) opening a login link, as a person clicking it would."""
    context = browser.new_context(viewport=viewport)  # type: ignore[attr-defined]
    page = context.new_page()
    page.goto(url)
    return context, page


@pytest.mark.timeout(900)
def test_external_user_signs_in_with_a_login_link(server: ReelforgeServer, browser: object, tmp_path: Path) -> None:
    """An app (its API key) makes external users and a login link; the link opens the Studio as that
    user, who sees only their own work and spends their own credits, quoted first, with live progress."""
    key = server.new_key(credits=100_000, name="studio-platform")
    alice, bob = identity("studio-alice"), identity("studio-bob")
    with server.client(key) as c:
        external_session(c, alice, grant=5_000)
        external_session(c, bob, grant=5_000)
        # Other people's work, rendering while Alice works: the app owner's own video and Bob's.
        others = [submitted(c, "/v1/video/text_to_video", {"input": SHORT_VIDEO}),
                  submitted(c, "/v1/external_users/text_to_video", {"external_user": bob, "input": SHORT_VIDEO})]
        owner_balance = c.get("/v1/credits").json()["credits"]
        link = c.post("/v1/external_users/create_login_token", json={"external_user": alice}).json()["loginUrl"]
        # What the Studio's form will send for her (its model defaults), quoted for her.
        form = {"prompt": SHORT_VIDEO["prompt"], "duration": 5, "language": "en", "aspect_ratio": "16:9",
                "enable_subtitles": True}
        quoted = c.post("/v1/external_users/text_to_video",
                        json={"external_user": alice, "input": form, "quote_only": True}).json()["credits"]

    # The link lands in the Studio signed in as Alice; the token leaves the address bar.
    context, page = open_login_link(browser, link, DESKTOP)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    sync_api.expect(page.get_by_role("heading", name="Gallery")).to_be_visible()
    assert page.url.endswith("/studio/#/gallery"), page.url
    sync_api.expect(page.get_by_test_id("signed-in-as")).to_have_text("studio-alice")
    sync_api.expect(page.get_by_test_id("header-credits")).to_have_text("5,000 credits")
    sync_api.expect(page.get_by_role("link", name="API keys")).to_have_count(0)  # account pages: not hers

    # A prompt-only five-second video: quoted first (Alice's price), charged as quoted, followed live.
    page.get_by_role("link", name="New video").click()
    page.get_by_label("Prompt", exact=True).fill(SHORT_VIDEO["prompt"])
    page.get_by_label("Language", exact=True).select_option("en")
    page.get_by_label("Length in seconds (prompt only)", exact=True).fill("5")
    quote = page.locator("#quote")
    sync_api.expect(quote).to_have_text(re.compile(rf"^Costs {quoted} credits"), timeout=30_000)
    streams = watch_progress(page)
    page.get_by_role("button", name="Create video").click()
    sync_api.expect(quote).to_have_text(f"Charged {quoted} credits.")
    sync_api.expect(page.get_by_test_id("header-credits")).to_have_text(f"{5_000 - quoted:,} credits")
    sync_api.expect(page.get_by_test_id("percent")).to_have_text("100 %", timeout=RENDER_TIMEOUT_MS)
    assert_live_progress(page, streams)
    assert 3 < video_duration(page.locator(".progress-panel video")) < 9
    mine = page.locator(".progress-panel").get_attribute("data-request-id")
    assert mine and mine.startswith("extreq_"), mine
    screenshot(page, tmp_path, "studio-external-new-video-desktop")

    # Her gallery holds her video only, once the others' are done too; her ledger only her wallet.
    with server.client(key) as c:
        for rid in others:
            assert wait_status(c, rid, timeout=300)["status"] == "COMPLETED"
        assert c.get("/v1/credits").json()["credits"] == owner_balance  # the app's wallet paid nothing for her
        assert c.get("/v1/external_users/credits", params=alice).json()["remainingCredits"] == 5_000 - quoted
    page.get_by_role("link", name="Gallery").click()
    cards = page.locator("article.session")
    sync_api.expect(cards).to_have_count(1)
    assert cards.first.get_attribute("data-session-id") == mine
    assert not any(rid in page.content() for rid in others)
    # An hour on, her auth token has expired: the page's calls (three at once) renew it with the refresh
    # token once, unnoticed; presenting that refresh token twice would have revoked the session.
    held = "() => JSON.parse(sessionStorage.getItem('reelforge.studio.credential')).value"
    before = page.evaluate(held)
    expire(server, before["auth"][: len("rf_auth_") + 4])
    page.get_by_role("link", name="Credits").click()
    sync_api.expect(page.get_by_test_id("balance")).to_have_text(f"{5_000 - quoted:,}")
    assert page.evaluate(held)["auth"] != before["auth"]
    rows = page.get_by_role("table").locator("tbody tr")
    sync_api.expect(rows).to_have_count(2)  # the app's grant and her video's charge
    sync_api.expect(rows.first).to_contain_text(mine)
    page.set_viewport_size(PHONE)
    screenshot(page, tmp_path, "studio-external-credits-phone")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
    assert_accessible(page, "external user's credits")
    assert not errors, errors
    context.close()

    # A login link works once.
    context, page = open_login_link(browser, link, PHONE)
    sync_api.expect(page.get_by_role("alert")).to_contain_text("already used")
    screenshot(page, tmp_path, "studio-login-link-used-phone")
    context.close()

    # The app owner's Studio lists its external users and makes Bob a link: Bob sees only his video.
    context = browser.new_context(viewport=PHONE)  # type: ignore[attr-defined]
    page = context.new_page()
    page.goto(server.base_url + "/studio/#/external-users")
    page.get_by_label("API key", exact=True).fill(key)
    page.get_by_role("button", name="Sign in").click()
    table = page.get_by_role("table")
    sync_api.expect(table).to_contain_text("studio-bob")
    sync_api.expect(table.locator("tr", has_text="studio-alice")).to_contain_text(f"{5_000 - quoted:,}")
    page.get_by_role("button", name="Login link for studio-bob").click()
    bob_link = page.get_by_label(re.compile("^Login link for studio-bob")).input_value()
    screenshot(page, tmp_path, "studio-external-users-phone")
    assert_accessible(page, "external users")
    context.close()
    context, page = open_login_link(browser, bob_link, PHONE)
    sync_api.expect(page.get_by_test_id("signed-in-as")).to_have_text("studio-bob")
    cards = page.locator("article.session")
    sync_api.expect(cards).to_have_count(1)
    assert cards.first.get_attribute("data-session-id") == others[1]
    screenshot(page, tmp_path, "studio-external-gallery-phone")
    context.close()

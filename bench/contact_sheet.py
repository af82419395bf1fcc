"""Contact sheets of the offline default's ad, made the way a user makes one: through the HTTP API.

    .venv/bin/python bench/contact_sheet.py                 # writes docs/contact-sheet-{16x9,9x16}.png
    .venv/bin/python bench/contact_sheet.py --out /tmp/cs   # somewhere else

Starts a real ``reelforge serve`` (embedded default), sends ``image_list_to_video`` with the two real
photos of ``tests/data/photos`` (a 4:3 and a 3:2 cut, a headline and a price printed on them, as
tests/render/test_render_framing.py prints them), a footer, a QR-code outro, narration and subtitles,
once per aspect; downloads each result and lays out frames at the start, middle and end of every scene
and the middle of the outro, each captioned with its time. Prints the provider report and the
``quality`` report of every render, so a reader sees what made the frames.
"""

from __future__ import annotations

import argparse
import base64
import json
import sys
import tempfile
import time
from pathlib import Path

import av
import httpx
from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "tests" / "render"))
from load import Server, auth  # noqa: E402
from test_render_framing import printed_photo  # noqa: E402

THUMB_W = 400
ASPECTS = {"16x9": "16:9", "9x16": "9:16"}


def photo_urls(work: Path) -> list[str]:
    shots = [printed_photo("coffee.png", (4, 3), work / "coffee43.png"),
             printed_photo("chelsea.png", (3, 2), work / "chelsea32.png")]
    return ["data:image/png;base64," + base64.b64encode(p.read_bytes()).decode() for p in shots]


def request_body(images: list[str], aspect: str) -> dict[str, object]:
    return {
        "image_urls": images,
        "aspect_ratio": aspect,
        "prompt": "A launch ad for the Linen Travel Shirt, $49, breathable European flax.",
        "language": "en",
        "cta_url": "https://northwind.example/linen",
        "cta_text_top": "Shop the launch",
        "cta_text_bottom": "northwind.example",
        "generate_outro_image": True,
        "add_footer_animation": True,
        "footer_metadata": [{"url": "https://northwind.example/linen", "text": "Linen Travel Shirt · $49"}],
    }


def render(client: httpx.Client, body: dict[str, object]) -> dict[str, object]:
    answer = client.post("/v1/video/image_list_to_video", json=body)
    answer.raise_for_status()
    request_id = answer.json()["request_id"]
    deadline = time.monotonic() + 900
    while time.monotonic() < deadline:
        status: dict[str, object] = client.get("/v1/status", params={"request_id": request_id}).json()
        if status["status"] in ("COMPLETED", "FAILED", "CANCELLED"):
            if status["status"] != "COMPLETED":
                raise RuntimeError(json.dumps(status))
            return status
        time.sleep(1)
    raise TimeoutError(request_id)


def frame_times(layers: list[dict[str, object]], duration: float) -> list[tuple[str, float]]:
    """Start, middle and end of each scene (the layers of /v2/status_detailed), then the outro."""
    spans = [(float(str(layer["startTime"])), float(str(layer["endTime"]))) for layer in layers]
    times = [(f"scene {i + 1} {label}", start + (end - start) * at)
             for i, (start, end) in enumerate(spans)
             for label, at in (("start", 0.1), ("middle", 0.5), ("end", 0.9))]
    return [*times, ("outro", max(0.0, duration - 1.0))]


def sheet(video: Path, layers: list[dict[str, object]], out: Path) -> None:
    with av.open(str(video)) as container:
        stream = container.streams.video[0]
        duration = float(container.duration or 0) / 1_000_000
        wanted = frame_times(layers, duration)
        frames: list[tuple[str, Image.Image]] = []
        for label, seconds in wanted:
            container.seek(int(seconds * 1_000_000), any_frame=False)
            for frame in container.decode(stream):
                if frame.time is not None and frame.time >= seconds - 1 / 60:
                    frames.append((f"{label} · {seconds:.1f}s", frame.to_image()))
                    break
    width, height = frames[0][1].size
    thumb_h = round(THUMB_W * height / width)
    cols = 6 if width < height else 3
    rows = -(-len(frames) // cols)
    canvas = Image.new("RGB", (cols * THUMB_W, rows * (thumb_h + 22)), "white")
    draw = ImageDraw.Draw(canvas)
    for i, (label, image) in enumerate(frames):
        x, y = (i % cols) * THUMB_W, (i // cols) * (thumb_h + 22)
        canvas.paste(image.resize((THUMB_W, thumb_h), Image.Resampling.LANCZOS), (x, y))
        draw.text((x + 6, y + thumb_h + 4), label, fill="black")
    canvas.save(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=ROOT / "docs")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        server = Server(work, None)
        server.start()
        try:
            client = httpx.Client(base_url=server.base_url, headers=auth(server.new_key("sheet", 100_000)),
                                  timeout=120)
            images = photo_urls(work)
            for name, aspect in ASPECTS.items():
                status = render(client, request_body(images, aspect))
                video = work / f"{name}.mp4"
                video.write_bytes(httpx.get(str(status["result_url"]), timeout=120).content)
                detailed = client.get("/v2/status_detailed", params={"request_id": status["request_id"]}).json()
                scenes = detailed["session"]["layers"]
                sheet(video, scenes, args.out / f"contact-sheet-{name}.png")
                report = {k: status.get(k) for k in ("providers", "quality", "duration")}
                print(name, json.dumps(report, indent=1, default=str))
        finally:
            server.stop()


if __name__ == "__main__":
    main()

"""The media gateway's samsar-js methods (tests/gateway/gateway_sdk.mjs) through the published SDK: each
answers 2xx and its request reaches COMPLETED through the SDK's own status method."""

from __future__ import annotations

from pathlib import Path

from compat.test_compat_samsar_js import node_or_skip
from reelforge.render.ffmpeg import run_ffmpeg
from support import FixtureHTTP, ReelforgeServer
from support.media import png_bytes
from support.samsar_js import run_sdk_script, sdk_env

HERE = Path(__file__).parent
# Kept in step with V2_SUITE in tests/compat/compat.mjs (docs/compatibility.md marks these checked).
EXPECTED = {
    "requestV2ExternalAudioRoute", "getV2ExternalAudioStatus", "createV2ExternalTextToMusicAudio",
    "requestV2ExternalAudio", "requestExternalAudioRoute", "getExternalAudioStatus", "requestV2ExternalImage",
    "getV2ExternalImageStatus", "createV2ExternalLipSyncVideo", "getV2ExternalVideoStatus",
    "createV2ExternalSoundEffectVideo", "getV2ExternalVideoStatusDetailed", "createV2ExternalVideoRequestFromImage",
    "createV2ExternalVideoRequestFromText", "cancelV2Render",
}


def test_gateway_methods_through_samsar_js(server: ReelforgeServer, fixture_http: FixtureHTTP, tmp_path: Path) -> None:
    node = node_or_skip()
    clip = tmp_path / "clip.mp4"
    run_ffmpeg(["-f", "lavfi", "-i", "testsrc=size=320x240:rate=25:duration=2", "-pix_fmt", "yuv420p", str(clip)])
    env = sdk_env(
        server, 100_000, "samsar-js-gateway",
        COMPAT_STILL=fixture_http.serve_bytes("/gateway-sdk/still.png", png_bytes(640, 480, seed=9), "image/png"),
        COMPAT_CLIP=fixture_http.serve_bytes("/gateway-sdk/clip.mp4", clip.read_bytes(), "video/mp4"),
    )
    served = run_sdk_script(node, HERE / "gateway_sdk.mjs", env, timeout=900)
    assert served == EXPECTED, served

"""The samsar-js readme's /v2 examples (tests/v2/v2_readme.mjs) through the published SDK, each method answering
2xx and its request reaching COMPLETED."""

from __future__ import annotations

import json
from pathlib import Path

from compat.test_compat_samsar_js import node_or_skip
from support import ReelforgeServer
from support.media import product_photo
from support.samsar_js import run_sdk_script, sdk_env

HERE = Path(__file__).parent
EXPECTED = {
    "uploadV2ImageData", "createV2Session", "createV2VideoFromImageList", "assignV2ImageTitle",
    "createV2StepVideoFromText", "createV2StepVideoFromText(two_step)", "createV2StepVideoFromImage",
    "getV2StepVideoStatus", "getV2StepVideoStatusDetailed", "processNextV2StepVideo", "translateV2Video",
    "cloneV2Video", "getV2Status", "getV2StatusDetailed", "joinV2Videos", "createV2VideoFromText", "cancelV2Render",
}


def test_readme_v2_examples(server: ReelforgeServer) -> None:
    node = node_or_skip()
    env = sdk_env(
        server, 200_000, "samsar-js-v2",
        COMPAT_IMAGES=json.dumps([product_photo(0, (480, 360)), product_photo(1, (480, 360))]),
        COMPAT_DURATION="6",  # one scene (a scene per started 6 s): every method, least rendering
    )
    served = run_sdk_script(node, HERE / "v2_readme.mjs", env, timeout=1500)
    assert served == EXPECTED, served

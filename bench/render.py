"""Render benchmark: the standard 6-scene 1792x1024 ad at 30 s and at 240 s vs the encoder floor.

Prints, from one run, for each length: render wall time, encoder floor (same ffmpeg and codec settings
encoding a static 1792x1024 source of the same length), their ratio, and the peak RSS of the ffmpeg
children. Each measurement runs in a fresh worker process so RUSAGE_CHILDREN only sees its own ffmpeg;
each is taken --repeat times (alternating render and floor) and the fastest kept.

Up to 60 s it also times the same video encoder on raw frames, the render's own and the floor's still
(written raw first, the time to read them back taken off): what this moving content costs x264 with
no compositing at all, against a still arriving the same way.

    python bench/render.py            # both lengths
    python bench/render.py --lengths 30
    python bench/render.py --gpu      # only: NVENC vs x264 on the 30 s ad (wall time, SSIM), or "no GPU"
    python bench/render.py --workers 1 2 4   # only: the 240 s ad's chunks over 1, 2, 4 worker processes
                                             # (bench/render_workers.py): wall, sha256, chunk schedule
    python bench/render.py --workers 1 2 --length 20 --chunk-s 5   # the same check, short
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from reelforge.render.audio import mastering_filter, render_mix
from reelforge.render.chunks import DEFAULT_CHUNK_S
from reelforge.render.encoders import probe_nvenc
from reelforge.render.ffmpeg import run_ffmpeg
from reelforge.render.plan import build_plan
from reelforge.render.probe import probe_media
from reelforge.render.timeline import FRAME_TAGS, build_render_command, encoder_args, render_timeline
from reelforge.sessions.document import Canvas, SessionDocument
from reelforge.stages.video_clips import motions_for
from reelforge.text.fonts import resolve_font

# The standard ad is the render tests' fixture (tests/render/demo_ad.py), so the benchmark renders
# exactly what the tests check.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "render"))
from demo_ad import MOTIONS, DemoAd, build_demo_ad  # noqa: E402
from render_workers import render_with_workers  # noqa: E402

WIDTH, HEIGHT, FPS = 1792, 1024, 30
OUTRO_S = 3.0
SCENES_PER_30S = 6


def _scenes_for(length_s: float) -> tuple[int, float]:
    """Same ad structure at any length: six scenes per 30 s, the outro fixed."""
    scenes = max(SCENES_PER_30S, round(SCENES_PER_30S * length_s / 30))
    return scenes, (length_s - OUTRO_S) / scenes


def _peak_child_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # Linux reports KiB


def _child_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _standard_ad(length_s: float, workdir: Path, motions: str) -> DemoAd:
    scenes, scene_s = _scenes_for(length_s)
    return build_demo_ad(workdir / "assets", canvas=Canvas(width=WIDTH, height=HEIGHT, fps=FPS), scenes=scenes,
                         scene_s=scene_s, outro_s=OUTRO_S, subtitles=True, footers=True, outro_animation=True,
                         motions=motions_for(WIDTH, HEIGHT) if motions == "default" else MOTIONS)


def worker_render(length_s: float, workdir: Path, motions: str, encoder: str = "x264",
                  keep: Path | None = None) -> dict[str, float]:
    ad = _standard_ad(length_s, workdir, motions)
    scenes = sum(layer.kind == "scene" for layer in ad.doc.layers)
    out = keep or workdir / f"ad-{int(length_s)}s.mp4"
    started = time.monotonic()
    result = render_timeline(ad.doc, out, ad.resolve, workdir=workdir, encoder=encoder)
    wall = time.monotonic() - started
    probed = probe_media(out)
    return {"wall_s": wall, "rss_mb": _peak_child_rss_mb(), "cpu_s": _child_cpu_s(), "duration_s": result.duration_s,
            "probed_duration_s": probed["duration"] or 0.0, "scenes": scenes}


def worker_floor(length_s: float, workdir: Path, motions: str) -> dict[str, float]:
    still = workdir / "still.png"
    build_demo_ad(workdir / "assets", canvas=Canvas(width=WIDTH, height=HEIGHT, fps=FPS), scenes=1)
    still.write_bytes((workdir / "assets" / "scene-0.png").read_bytes())
    frames = round(length_s * FPS)
    out = workdir / "floor.mp4"
    started = time.monotonic()
    run_ffmpeg([
        "-i", str(still), "-f", "lavfi", "-i", "anullsrc=r=48000:cl=stereo",
        "-filter_complex", f"[0:v]scale=out_color_matrix=bt709:out_range=tv,format=yuv420p,{FRAME_TAGS},"
        f"loop=loop={frames - 1}:size=1,setpts=N/{FPS}/TB[v]",
        "-map", "[v]", "-map", "1:a", "-frames:v", str(frames), "-t", f"{length_s}",
        *encoder_args(FPS), str(out),
    ], what="encoder floor")
    return {"wall_s": time.monotonic() - started, "rss_mb": _peak_child_rss_mb(), "cpu_s": _child_cpu_s()}


def worker_content(length_s: float, workdir: Path, motions: str) -> dict[str, float]:
    """The video encoder alone on raw pictures: the render's own frames vs the floor's still, both
    written raw first (not timed), then encoded with the same settings (timed, less the time to read
    them back): the ratio is what the moving content costs x264, before any compositing."""
    ad = _standard_ad(length_s, workdir, motions)
    plan = build_plan(ad.doc)
    font = resolve_font(ad.doc.font_key, ad.doc.language)
    mix = render_mix(list(ad.doc.audio), plan.duration_s, ad.resolve, workdir)
    graph_args = build_render_command(ad.doc, plan, ad.resolve, workdir, (mix.path, mastering_filter(mix)), font)
    # Raw frames in RAM where there is a tmpfs: read back from disk, the demuxer alone took seconds.
    raw_dir = Path(tempfile.mkdtemp(prefix="reelforge-raw-", dir="/dev/shm" if Path("/dev/shm").is_dir() else None))
    frames, still = raw_dir / "frames.y4m", raw_dir / "still.y4m"
    count = str(plan.total_frames)
    run_ffmpeg([*graph_args, "-map", "[vout]", "-frames:v", count, "-f", "yuv4mpegpipe", str(frames),
                "-map", "[aout]", "-f", "null", "-"], what="raw frames")
    run_ffmpeg(["-i", str(ad.resolve("scene-0")), "-vf", f"scale=out_color_matrix=bt709:out_range=tv,"
                f"format=yuv420p,loop=loop={plan.total_frames - 1}:size=1,setpts=N/{FPS}/TB",
                "-frames:v", count, "-f", "yuv4mpegpipe", str(still)], what="raw still")
    timed: dict[str, float] = {}
    for name, source in (("moving", frames), ("still", still)):
        # Reading raw frames costs the same on both sides; it is timed on its own (decode to null)
        # and taken off, leaving what x264 spends on this picture content.
        for step, output in (("read", ["-f", "null", "-"]),
                             ("encode", [*encoder_args(FPS), str(workdir / f"{name}.mp4")])):
            cpu_before = _child_cpu_s()
            started = time.monotonic()
            run_ffmpeg(["-i", str(source), "-an", "-frames:v", count, *output], what=f"{name} raw {step}")
            timed[f"{name}_{step}_wall_s"] = time.monotonic() - started
            timed[f"{name}_{step}_cpu_s"] = _child_cpu_s() - cpu_before
        timed[f"{name}_wall_s"] = timed[f"{name}_encode_wall_s"] - timed[f"{name}_read_wall_s"]
        timed[f"{name}_cpu_s"] = timed[f"{name}_encode_cpu_s"] - timed[f"{name}_read_cpu_s"]
        source.unlink()
    raw_dir.rmdir()
    timed["wall_s"] = timed["moving_wall_s"]
    return timed


def _run_worker(kind: str, length_s: float, motions: str, *extra: str) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="reelforge-bench-") as tmp:
        proc = subprocess.run([sys.executable, __file__, "--worker", kind, "--length", str(length_s),
                               "--workdir", tmp, "--motions", motions, *extra], check=True, capture_output=True,
                              text=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def gpu_comparison(length_s: float, motions: str) -> None:
    """NVENC against x264 on the standard ad: wall time of each render and NVENC's SSIM against
    the x264 output (the quality bar its settings aim at), or why there is no NVENC here."""
    probe = probe_nvenc()
    if not probe.usable:
        print(f"GPU: no usable NVENC found ({probe.reason}); renders use x264", flush=True)
        return
    keep = Path(tempfile.mkdtemp(prefix="reelforge-gpu-"))
    runs = {enc: _run_worker("render", length_s, motions, "--encoder", enc, "--keep", str(keep / f"{enc}.mp4"))
            for enc in ("nvenc", "x264")}
    result = run_ffmpeg(["-i", str(keep / "nvenc.mp4"), "-i", str(keep / "x264.mp4"), "-lavfi", "ssim",
                         "-f", "null", "-"], what="ssim")
    ssim = result.stderr.rsplit("All:", 1)[-1].split()[0]
    sizes = {enc: (keep / f"{enc}.mp4").stat().st_size / 1e6 for enc in runs}
    print(f"GPU ({probe.reason}), {int(length_s)} s ad: NVENC {runs['nvenc']['wall_s']:.2f} s "
          f"({sizes['nvenc']:.2f} MB) vs x264 {runs['x264']['wall_s']:.2f} s ({sizes['x264']:.2f} MB); "
          f"SSIM of NVENC against x264: {ssim}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lengths", type=float, nargs="+", default=[30.0, 240.0])
    parser.add_argument("--worker", choices=["render", "floor", "content"])
    parser.add_argument("--repeat", type=int, default=2, help="runs of each measurement; the fastest is kept")
    parser.add_argument("--content-floor-max", type=float, default=60.0,
                        help="measure the same-frames floor up to this length (its raw frames take 83 MB/s)")
    parser.add_argument("--length", type=float)
    parser.add_argument("--gpu", action="store_true", help="only compare NVENC with x264 (or say there is no GPU)")
    parser.add_argument("--encoder", choices=["x264", "nvenc"], default="x264")
    parser.add_argument("--workers", type=int, nargs="+",
                        help="only: render the ad (--length, default 240 s) with its chunks spread over each "
                             "number of worker processes in turn")
    parser.add_argument("--chunk-s", type=float, default=DEFAULT_CHUNK_S,
                        help="with --workers: chunk length (a short --length needs short chunks to have several)")
    parser.add_argument("--keep", type=Path, help="worker: write the render here")
    parser.add_argument("--workdir", type=Path)
    parser.add_argument("--motions", choices=["default", "mixed"], default="default",
                        help="default: the camera moves the offline clip stage gives this canvas (pans along the "
                             "long side); mixed: push-in, pans, push-out in turn")
    args = parser.parse_args()
    if args.worker == "render":
        print(json.dumps(worker_render(args.length, args.workdir, args.motions, args.encoder, args.keep)))
        return
    if args.worker:
        worker = {"floor": worker_floor, "content": worker_content}[args.worker]
        print(json.dumps(worker(args.length, args.workdir, args.motions)))
        return
    if args.gpu:
        gpu_comparison(args.lengths[0], args.motions)
        return
    if args.workers:
        length = args.length or 240.0

        def build(assets: Path) -> tuple[SessionDocument, dict[str, Path]]:
            ad = _standard_ad(length, assets.parent, args.motions)
            return ad.doc, ad.media

        render_with_workers(build, args.workers, args.chunk_s)
        return

    rows = []
    for length in args.lengths:
        # Fastest of --repeat runs each, taken alternately, so a burst of other load hits neither side alone.
        runs: dict[str, list[dict[str, float]]] = {"render": [], "floor": [], "content": []}
        kinds = ["render", "floor"] + (["content"] if length <= args.content_floor_max else [])
        for _ in range(args.repeat):
            for kind in kinds:
                runs[kind].append(_run_worker(kind, length, args.motions))
        render, floor = (min(runs[k], key=lambda r: r["wall_s"]) for k in ("render", "floor"))
        ratio = render["wall_s"] / floor["wall_s"]
        rows.append((length, render, floor, ratio))
        print(f"{int(length):>4d} s ad ({int(render['scenes'])} scenes, {args.motions} motions, "
              f"{WIDTH}x{HEIGHT}@{FPS}, "
              f"duration {render['probed_duration_s']:.3f} s): render {render['wall_s']:.2f} s, "
              f"encoder floor {floor['wall_s']:.2f} s, ratio {ratio:.2f} (target <= 1.4), "
              f"peak ffmpeg RSS {render['rss_mb']:.0f} MB (floor {floor['rss_mb']:.0f} MB); "
              f"ffmpeg CPU {render['cpu_s']:.1f} s vs floor {floor['cpu_s']:.1f} s "
              f"(ratio {render['cpu_s'] / floor['cpu_s']:.2f}; less sensitive to other load on the machine)",
              flush=True)
        if runs["content"]:
            content = min(runs["content"], key=lambda r: r["wall_s"])
            print(f"       x264 alone (raw frames in, reading them taken off): the render's frames "
                  f"{content['moving_wall_s']:.2f} s "
                  f"(CPU {content['moving_cpu_s']:.1f} s) vs the floor's still {content['still_wall_s']:.2f} s "
                  f"(CPU {content['still_cpu_s']:.1f} s): content ratio "
                  f"{content['moving_wall_s'] / content['still_wall_s']:.2f} "
                  f"(CPU {content['moving_cpu_s'] / content['still_cpu_s']:.2f}) before any compositing", flush=True)
    if len(rows) >= 2:
        short, long = rows[0][1], rows[-1][1]
        print(f"RSS {int(rows[-1][0])} s / {int(rows[0][0])} s = {long['rss_mb'] / short['rss_mb']:.2f} "
              f"(target <= 1.1); peak {max(r[1]['rss_mb'] for r in rows):.0f} MB (target <= 600)")


if __name__ == "__main__":
    main()

"""render_timeline: session document → MP4 (H.264 yuv420p + AAC, faststart) with one ffmpeg graph."""

from __future__ import annotations

import functools
import math
import os
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageOps

from reelforge.imaging.framing import SafeArea, frame_image, safe_area
from reelforge.providers.ocr import text_regions
from reelforge.render import graph, stills
from reelforge.render.audio import SAMPLE_RATE, encode_sound, render_mix
from reelforge.render.chunks import DEFAULT_CHUNK_S, Chunk, ChunkJob, ChunkReport, ChunkRunner, plan_chunks
from reelforge.render.encoders import h264_args
from reelforge.render.ffmpeg import RenderCancelled, RenderError, run_ffmpeg
from reelforge.render.graph import Canvas
from reelforge.render.plan import MOTION_HEADROOM, ZOOM_RANGE, LaneEntry, LayerFrames, RenderPlan, build_plan
from reelforge.render.plan import window as plan_window
from reelforge.render.progress import ChunkProgress, RenderProgress
from reelforge.render.spans import Span, SpanCache, audio_key, file_digest, video_spans
from reelforge.render.subtitles import caption_layout, subtitle_event_count, write_ass
from reelforge.sessions.document import SessionDocument
from reelforge.text.fonts import FontChoice, resolve_font

# Tag frames as BT.709 TV range inside the graph: with only the encoder's -colorspace options, ffmpeg
# negotiates a per-frame colour conversion in front of the encoder (measured: +40 % CPU).
FRAME_TAGS = "setparams=range=tv:color_primaries=bt709:color_trc=bt709:colorspace=bt709"
FOOTER_MAX_FRACTION = 0.25  # a footer card never covers more than this share of the canvas height
OUTRO_DIM_DELAY = 0.4  # the outro starts dimming after this share of its length


@dataclass(frozen=True)
class RenderResult:
    path: Path
    duration_s: float
    width: int
    height: int
    spans: int = 0  # spans in the timeline (render/spans.py)
    spans_reused: int = 0  # of them, copied from the cache rather than encoded
    sound_reused: bool = False
    chunks: tuple[ChunkReport, ...] = ()  # the chunks encoded, who encoded them and when


def video_encoder_args(fps: int, preset: str = "veryfast", crf: int = 23, encoder: str = "x264") -> list[str]:
    """H.264 settings for ``encoder`` (render/encoders.py: ``x264`` or ``nvenc``)."""
    return [
        *h264_args(encoder, preset, crf),
        "-profile:v", "high", "-pix_fmt", "yuv420p",
        "-g", str(fps * 2), "-r", str(fps),
        "-colorspace", "bt709", "-color_primaries", "bt709", "-color_trc", "bt709", "-color_range", "tv",
    ]


def audio_encoder_args() -> list[str]:
    return ["-c:a", "aac", "-b:a", "160k", "-ar", str(SAMPLE_RATE), "-ac", "2"]


def encoder_args(fps: int, preset: str = "veryfast", crf: int = 23) -> list[str]:
    """Codec settings shared by the render and the benchmark's encoder floor, for one MP4 file."""
    return [*video_encoder_args(fps, preset, crf), *audio_encoder_args(), "-movflags", "+faststart", "-f", "mp4"]


_MAX_PAN_ROOM = 0.3  # a pan never crops more than this share of the still's side away


def _pan_room_needed(plan: RenderPlan, motions: tuple[str, str]) -> int:
    """Spare pixels the longest pan along an axis needs to move on every frame (a pixel a frame)."""
    return max((entry.visible_end - entry.visible_start - 1 for lane in plan.lanes for entry in lane
                if entry.motion in motions), default=0)


def _canvas(doc: SessionDocument, plan: RenderPlan) -> Canvas:
    width, height = doc.canvas.width, doc.canvas.height

    def grown(size: int, pan_room: int) -> int:  # a multiple of 4 larger, so centred crops land on even offsets
        quarters = max(round(size * (MOTION_HEADROOM - 1) / 4), math.ceil(min(pan_room, size * _MAX_PAN_ROOM) / 4))
        return size + 4 * max(1, quarters)

    return Canvas(width=width, height=height,
                  headroom_width=grown(width, _pan_room_needed(plan, ("pan_left", "pan_right"))),
                  headroom_height=grown(height, _pan_room_needed(plan, ("pan_up", "pan_down"))))


TextReader = Callable[[Image.Image], list[tuple[int, int, int, int]]]


_OCR_SIDE = 960  # text too small to read at this size is too small to frame around


def ocr_text_boxes(img: Image.Image) -> list[tuple[int, int, int, int]]:
    """Boxes of the text lines printed on a photo (the OCR the project ships, detector only), found on
    a copy at most ``_OCR_SIDE`` pixels long."""
    scale = min(1.0, _OCR_SIDE / max(img.size))
    small = img if scale == 1.0 else img.resize((round(img.width * scale), round(img.height * scale)),
                                                 Image.Resampling.BILINEAR)
    return [(round(x0 / scale), round(y0 / scale), round(x1 / scale), round(y1 / scale))
            for x0, y0, x1, y1 in text_regions(small)]


def still_safe_box(canvas: Canvas, motion: str, area: SafeArea) -> tuple[float, float, float, float]:
    """The part of a headroom still that stays inside ``area`` of the canvas on every frame of
    ``motion``: a pan shows windows from one end of the room to the other, a zoom narrows the view
    towards the centre, a still stays centred."""
    room_x, room_y = canvas.headroom_width - canvas.width, canvas.headroom_height - canvas.height

    def axis(low: float, high: float, size: int, room: int, panning: bool) -> tuple[float, float]:
        if panning:
            return low + room, high
        if motion in ("push_in", "push_out"):
            zoomed = 1 + ZOOM_RANGE  # canvas point c shows still point centre + (c - size/2) / zoom
            return (room / 2 + size / 2 + (low - size / 2) / zoomed, room / 2 + size / 2 + (high - size / 2) / zoomed)
        return low + room / 2, high + room / 2

    x0, x1 = axis(area.left * canvas.width, area.right * canvas.width, canvas.width, room_x,
                  motion in ("pan_left", "pan_right"))
    y0, y1 = axis(area.top * canvas.height, area.bottom * canvas.height, canvas.height, room_y,
                  motion in ("pan_up", "pan_down"))
    return x0, y0, x1, y1


class _Stills:
    """Prepared lane stills, one file per (treatment, media ref, camera motion).

    Scene photos are framed (:mod:`reelforge.imaging.framing`) so their printed text and subject stay
    whole inside ``safe`` on every frame of the scene's camera move."""

    def __init__(self, canvas: Canvas, resolve: Callable[[str], Path], workdir: Path, safe: SafeArea,
                 read_text: TextReader | None, should_cancel: Callable[[], bool] | None = None) -> None:
        self._should_cancel = should_cancel
        self._canvas = canvas
        self._resolve = resolve
        self._workdir = workdir
        self._safe = safe
        self._read_text = read_text
        self._done: dict[tuple[str, str, str], Path] = {}

    def for_entry(self, entry: LaneEntry) -> Path:
        treatment = {"scene": "frame", "video-backdrop": "blank"}.get(entry.kind, "contain")
        key = (treatment, entry.media, entry.motion if treatment == "frame" else "")
        if key not in self._done:
            if self._should_cancel is not None and self._should_cancel():
                raise RenderCancelled("render cancelled while preparing stills")  # framing takes seconds
            out = self._workdir / f"still-{len(self._done)}.pgmyuv"
            size = (self._canvas.headroom_width, self._canvas.headroom_height)
            if treatment == "blank":
                stills.blank(size, out)
            elif treatment == "frame":
                with Image.open(self._resolve(entry.media)) as opened:
                    photo = ImageOps.exif_transpose(opened).convert("RGB")
                safe = still_safe_box(self._canvas, entry.motion, self._safe)
                framed, _ = frame_image(photo, size, safe, self._read_text)
                stills.save_pgmyuv(framed, out)
            else:
                stills.contain_centered(self._resolve(entry.media), (self._canvas.width, self._canvas.height),
                                        size, out)
            self._done[key] = out
        return self._done[key]


def write_concat(paths: Sequence[Path], fps: int, out: Path) -> Path:
    """ffconcat list with one frame per still (held for its frames by ``graph.hold_chain``).

    Stills must sit next to the list: names are written relative (the concat demuxer's safe mode).
    """
    lines = ["ffconcat version 1.0"]
    for path in paths:
        if path.parent != out.parent:
            raise ValueError(f"{path} is not beside {out}")
        lines += [f"file {path.name}", f"duration {1 / fps:.6f}"]
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return out


def _still_source(concat: Path) -> str:
    """A ``movie`` source reading a still list: unlike an ``-i`` input, it demuxes and decodes a still
    only when the graph asks for the next one, so memory does not grow with the number of stills."""
    return f"movie=filename={graph.escape_value(str(concat))}:f=concat,"


@dataclass(frozen=True)
class _Footer:
    concat: Path
    band_height: int
    begins: tuple[int, ...]  # one band per layer, from the layer's first frame
    frames: tuple[tuple[int, int], ...]


def _footer_sources(plan: RenderPlan, resolve: Callable[[str], Path]) -> dict[str, Path]:
    return {lf.layer.footer: resolve(lf.layer.footer) for lf in plan.layers
            if lf.layer.kind == "scene" and lf.layer.footer}


def _band_height(sources: dict[str, Path], canvas: Canvas) -> int:
    return max((stills.footer_height(src, (canvas.width, canvas.height), FOOTER_MAX_FRACTION)
                for src in sources.values()), default=0)


def footer_band_height(plan: RenderPlan, canvas: Canvas, resolve: Callable[[str], Path]) -> int:
    """Height of the footer band (the tallest card, shrunk to fit); 0 without footers. Captions on
    footed scenes sit above it."""
    return _band_height(_footer_sources(plan, resolve), canvas)


def _footers(plan: RenderPlan, canvas: Canvas, resolve: Callable[[str], Path], workdir: Path,
             band_height: int) -> _Footer | None:
    """The footer band's stream; ``band_height`` from the whole render (a chunk may show only short cards)."""
    with_footer = [lf for lf in plan.layers if lf.layer.kind == "scene" and lf.layer.footer]
    if not with_footer:
        return None
    sources = _footer_sources(plan, resolve)
    band = (canvas.width, band_height)
    bands = {ref: stills.footer_band(src, band, workdir / f"footer-{i}.png")
             for i, (ref, src) in enumerate(sources.items())}
    empty = stills.transparent(band, workdir / "footer-none.png")
    paths = [bands[lf.layer.footer] if lf in with_footer and lf.layer.footer else empty for lf in plan.layers]
    concat = write_concat(paths, plan.fps, workdir / "footer.ffconcat")
    return _Footer(concat=concat, band_height=band_height, begins=tuple(lf.start for lf in plan.layers),
                   frames=tuple((lf.start, lf.end) for lf in with_footer))


def _video_clip_chain(index: int, lf: LayerFrames, canvas: Canvas, fps: int, label: str) -> str:
    frames = lf.end - lf.start
    return (f"[{index}:v]scale={canvas.width}:{canvas.height}:force_original_aspect_ratio=increase,"
            f"crop={canvas.width}:{canvas.height},setsar=1,fps={fps},format=yuv420p,"
            f"trim=end_frame={frames},setpts=PTS-STARTPTS+{lf.start / fps:.6f}/TB[{label}]")


def _outro_chains(plan: RenderPlan, current: str) -> tuple[list[str], str]:
    chains: list[str] = []
    for lf in plan.layers:
        options = lf.layer.outro
        if lf.layer.kind != "outro" or options is None or not options.animation:
            continue
        start = lf.start + round((lf.end - lf.start) * OUTRO_DIM_DELAY)
        label = f"outro{lf.index}"
        chains.append(graph.outro_fade_chain(current, start, lf.end, plan.fps, options.focus_area,
                                             f"o{lf.index}", label))
        current = label
    return chains, current


def _select_chain(current: str, frames: Sequence[tuple[int, int]], fps: int) -> str:
    """Keep only the frames of ``frames`` (ranges), renumbered as one continuous stream."""
    keep = "+".join(f"between(n\\,{start}\\,{end - 1})" for start, end in frames)
    return f"[{current}]select='{keep}',setpts=N/{fps}/TB[vout]"


def build_render_command(
    doc: SessionDocument,
    plan: RenderPlan,
    resolve_media: Callable[[str], Path],
    workdir: Path,
    audio: tuple[Path, str] | None,
    font: FontChoice,
    frames: Sequence[tuple[int, int]] | None = None,
    read_text: TextReader | None = ocr_text_boxes,
    should_cancel: Callable[[], bool] | None = None,
    window: tuple[int, int] | None = None,
    on_still: Callable[[], None] | None = None,
) -> list[str]:
    """Write the lane lists, captions, sendcmd and filter scripts into ``workdir``; return ffmpeg's
    inputs and graph. The graph's outputs: ``[vout]`` (only the ``frames`` ranges when given, back to
    back) and, when ``audio`` (mix file, mastering filter) is given, ``[aout]``. ``on_still()`` runs
    after each lane entry's still is ready (framing a photo takes seconds).

    ``window``: draw only frames [start, end) of the render (span boundaries; a chunk, see
    render/chunks.py), numbered from 0 (``frames`` then counts from the window's start). The graph
    then reads and composites only those frames instead of computing and dropping the ones before."""
    canvas = _canvas(doc, plan)  # the whole render's canvas, band and safe area: a chunk looks the same
    band = footer_band_height(plan, canvas, resolve_media)
    layout = caption_layout(canvas.width, canvas.height)
    covered = layout.band(band) if subtitle_event_count(doc) else band
    safe = safe_area(canvas.width, canvas.height, covered / canvas.height)
    offset_s = 0.0
    if window is not None:
        offset_s = plan.seconds(window[0])
        plan = plan_window(plan, *window)
    prepared = _Stills(canvas, resolve_media, workdir, safe, read_text, should_cancel)
    inputs: list[str] = []
    chains: list[str] = []
    for lane_index, lane in enumerate(plan.lanes):
        entries = list(lane) or [LaneEntry(media="", kind="video-backdrop", begin=0, visible_start=0,
                                           visible_end=plan.total_frames, motion="none")]
        paths = []
        for entry in entries:
            paths.append(prepared.for_entry(entry))
            if on_still is not None:
                on_still()
        concat = write_concat(paths, plan.fps, workdir / f"lane{lane_index}.ffconcat")
        chains.append(graph.lane_chain(_still_source(concat), entries, plan, canvas, f"lane{lane_index}"))
    steering = graph.mixer_commands(plan)
    commands = workdir / "mixer.cmd"
    if steering:
        commands.write_text(steering, encoding="utf-8")
    chains.append(graph.mixer_chain(plan, str(commands) if steering else None, "mixed"))
    current = "mixed"

    next_index = 0
    if audio is not None:
        inputs += ["-i", str(audio[0])]
        chains.append(f"[{next_index}:a]{audio[1]}[aout]")
        next_index += 1
    for lf in plan.layers:
        if lf.layer.clip_type != "video":
            continue
        inputs += ["-stream_loop", "-1", "-i", str(resolve_media(lf.layer.clip))]
        chains.append(_video_clip_chain(next_index, lf, canvas, plan.fps, f"clip{lf.index}"))
        chains.append(graph.overlay_chain(current, f"clip{lf.index}", "0", "0", [(lf.start, lf.end)],
                                          f"withclip{lf.index}"))
        current = f"withclip{lf.index}"
        next_index += 1

    footer = _footers(plan, canvas, resolve_media, workdir, band)
    if footer is not None:
        hold = graph.hold_chain(list(footer.begins), plan.total_frames, plan.fps)
        chains.append(f"{_still_source(footer.concat)}format=yuva420p,{hold}[footer]")
        chains.append(graph.overlay_chain(current, "footer", "0", str(canvas.height - footer.band_height),
                                          footer.frames, "withfooter"))
        current = "withfooter"

    if subtitle_event_count(doc):
        margins = {lf.layer.id: footer.band_height for lf in plan.layers
                   if footer is not None and (lf.start, lf.end) in footer.frames}
        ass = write_ass(doc, font, workdir / "captions.ass", margins)
        # Captions are timed on the whole render: a window's frames are shifted to its times for them.
        shift = (f"setpts=PTS+{offset_s:.6f}/TB,", f",setpts=PTS-{offset_s:.6f}/TB") if offset_s else ("", "")
        chains.append(f"[{current}]{shift[0]}ass=filename={graph.escape_value(str(ass))}:"
                      f"fontsdir={graph.escape_value(str(font.fonts_dir))}:shaping=complex{shift[1]}[captioned]")
        current = "captioned"

    outro, current = _outro_chains(plan, current)
    chains += outro
    if frames is None or list(frames) == [(0, plan.total_frames)]:
        chains.append(f"[{current}]format=yuv420p,{FRAME_TAGS}[vout]")
    else:
        chains.append(f"[{current}]format=yuv420p,{FRAME_TAGS}[tagged]")
        chains.append(_select_chain("tagged", frames, plan.fps))
    script = workdir / "render.filtergraph"
    script.write_text(";\n".join(chains) + "\n", encoding="utf-8")
    return [*inputs, "-/filter_complex", str(script)]


def _span_outputs(spans: Sequence[Span], fps: int, preset: str, pattern: Path, encoder: str) -> list[str]:
    """Encode ``spans`` (back to back in [vout]) into one MP4 file each, every one opening with an
    IDR frame, so any of them can later be copied into another render unchanged."""
    firsts, total = [], 0
    for span in spans:
        firsts.append(total)
        total += span.frames
    cuts = firsts[1:] or [total]  # a single span: a cut that never comes (else the muxer cuts every 2 s)
    return ["-map", "[vout]", "-frames:v", str(total), *video_encoder_args(fps, preset, encoder=encoder),
            "-force_key_frames", "expr:" + "+".join(f"eq(n,{first})" for first in firsts), "-forced-idr", "1",
            "-f", "segment", "-segment_format", "mp4", "-reset_timestamps", "1",
            "-segment_frames", ",".join(map(str, cuts)), str(pattern)]


def _concat_line(path: Path) -> str:
    return "file '" + str(path).replace("'", "'\\''") + "'"


@functools.cache
def _font_digest(path: Path) -> str:
    """Fonts are installed files (a CJK collection is tens of MB): hashed once per process."""
    return file_digest(path)


class _NoCache:
    def get(self, name: str) -> Path | None:
        return None

    def put(self, name: str, path: Path) -> None:
        return None


def _timeline(doc: SessionDocument, resolve_media: Callable[[str], Path], preset: str, encoder: str,
              ) -> tuple[RenderPlan, FontChoice, list[Span], Callable[[str], str]]:
    """The render's plan, caption font, spans with their keys, and media digest function."""
    plan = build_plan(doc)
    font = resolve_font(doc.font_key, doc.language)

    @functools.cache
    def digest(ref: str) -> str:
        return file_digest(resolve_media(ref))

    spans = video_spans(doc, plan, digest, [*video_encoder_args(plan.fps, preset, encoder=encoder), FRAME_TAGS],
                        footer_band=footer_band_height(plan, _canvas(doc, plan), resolve_media),
                        captions=[font.family, _font_digest(font.path), font.face_index])
    return plan, font, spans, digest


def _chunks(plan: RenderPlan, spans: Sequence[Span], chunk_s: float) -> list[Chunk]:
    return plan_chunks(spans, plan.fps, chunk_s, {lf.start for lf in plan.layers})


def _chunk_stills(plan: RenderPlan, chunk: Chunk) -> int:
    """Lane entries the chunk's graph prepares a still for (``on_still`` calls)."""
    return sum(len(lane) or 1 for lane in plan_window(plan, chunk.start, chunk.end).lanes)


def encode_chunk(job: ChunkJob, resolve_media: Callable[[str], Path], workdir: Path,
                 should_cancel: Callable[[], bool] | None = None,
                 progress: ChunkProgress | None = None) -> dict[str, Path]:
    """Encode the spans ``job.dirty`` of chunk ``job.index`` with one fresh encoder run (see
    render/chunks.py); returns span key -> MP4 file in ``workdir``. Any process may run this: it
    needs only the media and writes only into ``workdir``. ``progress`` follows its stills, then
    its frames."""
    plan, font, spans, _ = _timeline(job.doc, resolve_media, job.preset, job.encoder)
    chunk = _chunks(plan, spans, job.chunk_s)[job.index]
    dirty = [span for span in chunk.spans if span.key in set(job.dirty)]
    if tuple(span.key for span in dirty) != job.dirty:
        raise RenderError(f"chunk {job.index}: its spans here differ from the render's (other render code?)")
    ranges = [(span.start - chunk.start, span.end - chunk.start) for span in dirty]
    args = build_render_command(job.doc, plan, resolve_media, workdir, None, font, ranges,
                                should_cancel=should_cancel, window=(chunk.start, chunk.end),
                                on_still=progress.still_ready if progress else None)
    outputs = _span_outputs(dirty, plan.fps, job.preset, workdir / "span-%05d.mp4", job.encoder)
    run_ffmpeg([*args, *outputs], should_cancel=should_cancel, what=f"render chunk {job.index}",
               on_progress=progress.ffmpeg if progress else None)
    encoded = sorted(workdir.glob("span-*.mp4"))
    if len(encoded) != len(dirty):
        raise RenderError(f"chunk {job.index} wrote {len(encoded)} spans, expected {len(dirty)}")
    return {span.key: path for span, path in zip(dirty, encoded, strict=True)}


def _local_runner(resolve_media: Callable[[str], Path], work: Path, should_cancel: Callable[[], bool] | None,
                  encoded: dict[str, Path], progress: Callable[[ChunkJob], ChunkProgress | None]) -> ChunkRunner:
    """Encode every chunk here, one after another (each still a fresh encoder run), into ``encoded``;
    ``progress(job)`` follows each chunk as it goes."""
    def run(jobs: Sequence[ChunkJob], done: Callable[[ChunkReport], None]) -> list[ChunkReport]:
        reports = []
        for job in jobs:
            started = time.time()
            chunk_dir = work / f"chunk-{job.index:04d}"
            chunk_dir.mkdir()
            encoded.update(encode_chunk(job, resolve_media, chunk_dir, should_cancel, progress(job)))
            reports.append(ChunkReport(job.index, f"pid {os.getpid()}", started, time.time(), len(job.dirty)))
            done(reports[-1])
        return reports
    return run


def render_timeline(
    doc: SessionDocument,
    out_path: Path | str,
    resolve_media: Callable[[str], Path],
    *,
    should_cancel: Callable[[], bool] | None = None,
    preset: str = "veryfast",
    workdir: Path | None = None,
    cache: SpanCache | None = None,
    encoder: str = "x264",
    chunk_s: float = DEFAULT_CHUNK_S,
    run_chunks: ChunkRunner | None = None,
    on_progress: Callable[[float], None] | None = None,
) -> RenderResult:
    """Render ``doc`` to ``out_path`` (written atomically), its video encoded by ``encoder``
    (``x264`` or ``nvenc``: see render/encoders.py for choosing one).

    The video is encoded in chunks of about ``chunk_s`` seconds (render/chunks.py), each by a fresh
    encoder run: by ``run_chunks`` (e.g. on many workers; it must leave every span in ``cache``) when
    more than one chunk needs encoding, else here one after another. The file is the same either way.

    With a ``cache``, spans (see render/spans.py) and the sound track already rendered for the same
    content are copied from it, and what is rendered anew is added to it.

    ``on_progress(fraction)`` follows the chunks to encode (render/progress.py): stills prepared,
    then frames encoded for a chunk encoded here, each chunk whole as ``run_chunks`` reports it done.

    Raises ``RenderCancelled`` (ffmpeg killed, nothing left at ``out_path``), ``RenderError`` (ffmpeg
    failed; stderr tail in the message), ``UnsupportedFont``/``ValueError`` for an unrenderable doc.
    """
    out_path = Path(out_path)
    store = cache or _NoCache()
    plan, _, spans, digest = _timeline(doc, resolve_media, preset, encoder)
    sound_key = audio_key(doc, plan, digest, audio_encoder_args())
    found = {span.key: store.get(f"{span.key}.mp4") for span in spans}
    span_files = {key: path for key, path in found.items() if path is not None}
    sound_file = store.get(f"{sound_key}.m4a")
    chunks = _chunks(plan, spans, chunk_s)
    jobs = [ChunkJob(doc=doc, chunk_s=chunk_s, index=chunk.index, encoder=encoder, preset=preset,
                     dirty=tuple(span.key for span in chunk.spans if span.key not in span_files))
            for chunk in chunks]
    jobs = [job for job in jobs if job.dirty]
    progress = None if on_progress is None else RenderProgress(on_progress, {
        job.index: (_chunk_stills(plan, chunks[job.index]),
                    sum(span.frames for span in chunks[job.index].spans if span.key in job.dirty)) for job in jobs})
    out_path.parent.mkdir(parents=True, exist_ok=True)
    partial = out_path.with_name(f".{out_path.name}.partial.mp4")
    with tempfile.TemporaryDirectory(prefix="reelforge-render-", dir=workdir) as tmp:
        work = Path(tmp)
        mixed = sound_file is None
        if sound_file is None:
            mix = render_mix(list(doc.audio), plan.duration_s, resolve_media, work, should_cancel)
            sound_file = work / "sound.m4a"
            encode_sound(mix, sound_file, audio_encoder_args(), should_cancel)
        encoded_here: dict[str, Path] = {}
        # One chunk to encode is one encoder run wherever it runs: handing it out only adds a hand-off.
        here = _local_runner(resolve_media, work, should_cancel, encoded_here,
                             lambda job: progress.chunk(job.index) if progress else None)
        schedule = (run_chunks if run_chunks is not None and len(jobs) > 1 else here)(
            jobs, lambda report: progress.finished(report.index) if progress else None)
        for key in (key for job in jobs for key in job.dirty):
            path = encoded_here.get(key) or store.get(f"{key}.mp4")
            if path is None:
                raise RenderError(f"span {key[:12]} was encoded but is not in the render cache")
            span_files[key] = path
        playlist = work / "spans.ffconcat"
        lines = ["ffconcat version 1.0", *(_concat_line(span_files[span.key]) for span in spans)]
        playlist.write_text("\n".join(lines) + "\n", encoding="utf-8")
        run_ffmpeg(["-f", "concat", "-safe", "0", "-i", str(playlist), "-i", str(sound_file), "-map", "0:v",
                    "-map", "1:a", "-c", "copy", "-movflags", "+faststart", "-f", "mp4", str(partial)],
                   should_cancel=should_cancel, partial_outputs=[partial], what="assemble")
        for key, path in encoded_here.items():
            store.put(f"{key}.mp4", path)
        if mixed:
            store.put(f"{sound_key}.m4a", sound_file)
    os.replace(partial, out_path)
    encoded = sum(len(job.dirty) for job in jobs)
    return RenderResult(path=out_path, duration_s=plan.duration_s, width=doc.canvas.width,
                        height=doc.canvas.height, spans=len(spans), spans_reused=len(spans) - encoded,
                        sound_reused=not mixed, chunks=tuple(sorted(schedule, key=lambda r: r.index)))

"""Filter-graph text for the main render: two still lanes + mixer, overlays, captions, outro fades.

Everything here is string building from a :class:`RenderPlan`; no files are read.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from reelforge.render.plan import ZOOM_RANGE, LaneEntry, RenderPlan
from reelforge.sessions.document import FocusArea

_LEVEL1 = "\\':"  # characters special inside a filter's option list
_LEVEL2 = "\\'[],;"  # characters special in the graph description


def escape_value(value: str) -> str:
    """Escape an option value (e.g. a path) for use inside a filter-graph script."""
    once = "".join(f"\\{c}" if c in _LEVEL1 else c for c in value)
    return "".join(f"\\{c}" if c in _LEVEL2 else c for c in once)


def frame_ranges_expr(ranges: Iterable[tuple[int, int]]) -> str:
    """Timeline ``enable`` expression true on frames [start, end) of any range (merged, 0 if none)."""
    merged: list[list[int]] = []
    for start, end in sorted(r for r in ranges if r[1] > r[0]):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    if not merged:
        return "0"
    return "+".join(f"between(n\\,{start}\\,{end - 1})" for start, end in merged)


def _since(first: int) -> str:
    """Frames since frame ``first``, which is below 0 for an entry that began before a chunk's
    window (render/plan.window); ffmpeg reads ``n--16`` as ``n`` alone."""
    return f"n-{first}" if first >= 0 else f"n+{-first}"


def _progress(entry: LaneEntry) -> str:
    span = max(1, entry.visible_end - entry.visible_start)
    return f"clip(({_since(entry.visible_start)})/{span}\\,0\\,1)"


def _zoom(entry: LaneEntry) -> str:
    if entry.motion == "push_in":
        return f"(1+{ZOOM_RANGE}*{_progress(entry)})"
    if entry.motion == "push_out":
        return f"(1+{ZOOM_RANGE}*(1-{_progress(entry)}))"
    return "1"


PAN_STEP = 2  # pixels per frame at most: a whole chroma pixel


def _pan(entry: LaneEntry, forward: str, backward: str, room: int, centre: str) -> str:
    """Crop offset (pixels) along one axis with ``room`` spare pixels.

    The camera moves on every frame of the entry's visible span (its crossfades included), never
    resting at either end. Where the room allows, it moves by exactly ``PAN_STEP`` pixels a frame,
    so x264 predicts each frame as the previous one shifted by one constant vector (the fastest to
    encode), centred in the room. With less room than that the glide spreads the room over the
    whole span in even steps (0 or 2 pixels a frame): at least a pixel a frame on average, so no
    picture is held for more than two frames.
    """
    if entry.motion not in (forward, backward):
        return centre
    span = max(1, entry.visible_end - entry.visible_start)
    steps = span - 1
    if steps <= 0 or room < PAN_STEP:
        return centre
    first = entry.visible_start
    frame = f"clip({_since(first)}\\,0\\,{steps})"
    if room >= steps * PAN_STEP:
        start = (room - steps * PAN_STEP) // 2 // 2 * 2
        moved, travel = f"{PAN_STEP}*{frame}", steps * PAN_STEP
    else:
        start, travel = 0, room // 2 * 2
        moved = f"2*floor({frame}*{travel / 2 / steps:.6f})"
    if entry.motion == forward:
        return f"({start}+{moved})"
    return f"({start + travel}-{moved})"


def _piecewise(entries: Sequence[LaneEntry], term: str, values: list[str]) -> str:
    """Nested if over the lane's entries by frame number ``n`` (entry i holds from its begin)."""
    if all(v == values[0] for v in values):
        return values[0]
    expr = values[-1]
    for value, following in zip(reversed(values[:-1]), reversed(entries[1:]), strict=True):
        expr = f"if(lt({term}\\,{following.begin})\\,{value}\\,{expr})"
    return expr


@dataclass(frozen=True)
class Canvas:
    width: int
    height: int
    headroom_width: int
    headroom_height: int


def hold_chain(begins: Sequence[int], total_frames: int, fps: int) -> str:
    """Filters turning one frame per still into a ``fps`` stream: still i is repeated from frame
    ``begins[i]`` until the next begin (the last until ``total_frames``).

    ``loop`` filters hand out references to the held frame only when downstream asks for one, so the
    graph never runs ahead of the encoder (``fps`` would duplicate greedily and, once a later filter
    allocates per-frame buffers, pile up frames in memory), and nothing is decoded per frame.
    """
    ends = [*begins[1:], total_frames]
    # The pinned ffmpeg's ``loop`` counts ``start`` from 1 (start=0 and start=1 both pick the first
    # frame), so the frame at 0-based index ``begin`` is ``start=begin + 1``; tests pin this down.
    loops = [f"loop=loop={end - begin - 1}:size=1:start={begin + 1}"
             for begin, end in zip(begins, ends, strict=True) if end - begin > 1]
    return ",".join([*loops, f"settb=1/{fps}", "setpts=N", f"trim=end_frame={total_frames}"])


def lane_chain(source: str, entries: Sequence[LaneEntry], plan: RenderPlan, canvas: Canvas,
               label: str) -> str:
    """The lane's stills (yuv420p, one frame each) held for their frames, camera motion, canvas crop."""
    filters = [hold_chain([e.begin for e in entries], plan.total_frames, plan.fps)]
    zoom = _piecewise(entries, "n", [_zoom(e) for e in entries])
    if zoom != "1":
        filters.append(f"scale=w='trunc(iw*{zoom}/2)*2':h='trunc(ih*{zoom}/2)*2':eval=frame:flags=bilinear")
    room_x, room_y = canvas.headroom_width - canvas.width, canvas.headroom_height - canvas.height

    def centre(entry: LaneEntry, headroom: int, size: int) -> str:
        """Centred crop offset, the zoomed size written out: crop's ``iw``/``ih`` keep the size of the
        lane's first frame, so ``(iw-ow)/2`` would centre on whatever the first frame happened to
        be (and a chunk starting elsewhere would crop differently). crop keeps offsets even."""
        zoom = _zoom(entry)
        if zoom == "1":
            return f"{(headroom - size) / 2:g}"
        return f"(trunc({headroom}*{zoom}/2)*2-{size})*0.5"

    x = _piecewise(entries, "n", [_pan(e, "pan_right", "pan_left", room_x,
                                       centre(e, canvas.headroom_width, canvas.width)) for e in entries])
    y = _piecewise(entries, "n", [_pan(e, "pan_down", "pan_up", room_y,
                                       centre(e, canvas.headroom_height, canvas.height)) for e in entries])
    # Even offsets (crop's default for yuv420p): whole-chroma-pixel moves keep x264's motion search
    # exact, which measurably beats odd luma steps with a half-pixel chroma shift.
    filters.append(f"crop=w={canvas.width}:h={canvas.height}:x='{x}':y='{y}'")
    return f"{source}{','.join(filters)}[{label}]"


def mixer_chain(plan: RenderPlan, commands_path: str | None, out_label: str) -> str:
    """Two lanes → one stream: streamselect picks the visible lane (zero-copy), blend cross-fades.

    Both are driven by a sendcmd script (lane switches and per-frame opacity), and blend only runs
    during cross-fades (timeline ``enable``), so cuts and still frames cost nothing here. (One
    streamselect per output: ffmpeg asserts on a framesync filter with two outputs.)
    """
    enable = frame_ranges_expr((cf.start, cf.end) for cf in plan.crossfades)
    first = plan.switches[0][1]
    # No script (a single-layer timeline has nothing to switch or blend): no sendcmd, which refuses one.
    steer = f"sendcmd=f={escape_value(commands_path)}," if commands_path else ""
    return (
        f"[lane0]{steer}split=2[lane0a][lane0b];"
        "[lane1]split=2[lane1a][lane1b];"
        f"[lane0a][lane1a]streamselect@cur=inputs=2:map={first}[visible];"
        f"[lane0b][lane1b]streamselect@oth=inputs=2:map={1 - first}[hidden];"
        f"[visible][hidden]blend@mix=all_mode=normal:all_opacity=1:enable='{enable}'[{out_label}]"
    )


def mixer_commands(plan: RenderPlan) -> str:
    """sendcmd script: at each crossfade frame the outgoing lane's weight, at each switch the new map
    ("" when there is neither)."""
    half = 0.5 / plan.fps
    lines: list[str] = []
    for cf in plan.crossfades:
        for i in range(cf.frames):
            opacity = 1 - (i + 1) / (cf.frames + 1)
            lines.append(f"{(cf.start + i) / plan.fps - half:.6f} blend@mix all_opacity {opacity:.4f};")
    for frame, lane in plan.switches[1:]:
        t = max(0.0, frame / plan.fps - half)
        lines.append(f"{t:.6f} streamselect@cur map {lane}, streamselect@oth map {1 - lane},"
                     " blend@mix all_opacity 1;")
    return "".join(f"{line}\n" for line in lines)


def overlay_chain(in_label: str, overlay_label: str, x: str, y: str, frames: Iterable[tuple[int, int]],
                  out_label: str) -> str:
    enable = frame_ranges_expr(frames)
    return f"[{in_label}][{overlay_label}]overlay=x={x}:y={y}:eof_action=pass:enable='{enable}'[{out_label}]"


def outro_fade_chain(in_label: str, start: int, end: int, fps: int, focus: FocusArea | None, tag: str,
                     out_label: str) -> str:
    """Fade to black over frames [start, end); a focus area is cut from the undimmed frame and put back."""
    frames = max(1, end - start)
    window = f"between(n\\,{start}\\,{end - 1})"
    fade = f"fade=t=out:st={start / fps:.6f}:d={frames / fps:.6f}:color=black:enable='{window}'"
    if focus is None:
        return f"[{in_label}]{fade}[{out_label}]"
    return (
        f"[{in_label}]split=2[{tag}main][{tag}lit];"
        f"[{tag}main]{fade}[{tag}dark];"
        f"[{tag}lit]crop=w={focus.width}:h={focus.height}:x={focus.x}:y={focus.y}:exact=1[{tag}area];"
        f"[{tag}dark][{tag}area]overlay=x={focus.x}:y={focus.y}:enable='{window}'[{out_label}]"
    )

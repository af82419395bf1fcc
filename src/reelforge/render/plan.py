"""Frame-exact render plan for a session timeline (pure: no I/O).

Why two "lanes": a filter graph with one chain per scene keeps every chain's frame pools alive until
the end, so memory grows with the number of scenes. Instead every still goes into one of two lanes
(alternating), each lane is ONE ffmpeg stream (concat demuxer of stills, each duplicated by ``fps``),
and a single mixer cross-fades between the two lanes at scene boundaries. Filter instances, and so
memory, stay constant however long the video is.

All times here are frame numbers at the canvas fps; layer boundaries are rounded to frames once.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from reelforge.sessions.document import CameraMotion, Layer, SessionDocument

MOTION_HEADROOM = 1.12  # stills are prepared this much larger than the canvas, for pans and zooms
ZOOM_RANGE = 0.10  # push_in/push_out scale change over a layer


@dataclass(frozen=True)
class Crossfade:
    """Frames [start, end) blend from the outgoing lane to the incoming lane."""

    start: int
    end: int
    incoming_lane: int

    @property
    def frames(self) -> int:
        return self.end - self.start


@dataclass(frozen=True)
class LaneEntry:
    """A still shown in a lane from frame ``begin`` (until the lane's next entry begins)."""

    media: str  # media ref to resolve
    kind: str  # "scene" | "outro" | "carry" | "video-backdrop"
    begin: int
    visible_start: int  # motion runs over [visible_start, visible_end)
    visible_end: int
    motion: CameraMotion


@dataclass(frozen=True)
class LayerFrames:
    layer: Layer
    index: int
    start: int
    end: int
    lane: int


@dataclass(frozen=True)
class RenderPlan:
    fps: int
    total_frames: int
    layers: tuple[LayerFrames, ...]
    lanes: tuple[tuple[LaneEntry, ...], tuple[LaneEntry, ...]]
    crossfades: tuple[Crossfade, ...]
    # Frames at which the visible lane switches (end of each crossfade, or a hard cut): (frame, lane)
    switches: tuple[tuple[int, int], ...]

    @property
    def duration_s(self) -> float:
        return self.total_frames / self.fps

    def seconds(self, frame: int) -> float:
        return frame / self.fps


def _frame(seconds: float, fps: int) -> int:
    return round(seconds * fps)


def _crossfade_into(layer: Layer, start: int, end: int, previous_start: int, fps: int) -> tuple[int, int]:
    """The blend window at this layer's first frame: before it for a transition (the spec's fade
    "at the end of the prior layer"), after it for a carried-over image (join blend)."""
    if layer.carry_over is not None:
        frames = min(_frame(layer.carry_over.duration, fps), (end - start) // 2)
        return start, start + frames
    if layer.transition_in is not None:
        frames = min(_frame(layer.transition_in.duration, fps), (start - previous_start) // 2)
        return start - frames, start
    return start, start


def build_plan(doc: SessionDocument) -> RenderPlan:
    if not doc.layers:
        raise ValueError("cannot render a timeline without layers")
    fps = doc.canvas.fps
    bounds = [_frame(layer.start, fps) for layer in doc.layers] + [_frame(doc.layers[-1].end, fps)]
    layer_frames = tuple(
        LayerFrames(layer=layer, index=i, start=bounds[i], end=bounds[i + 1], lane=i % 2)
        for i, layer in enumerate(doc.layers)
    )
    if any(lf.end <= lf.start for lf in layer_frames):
        raise ValueError("every layer must last at least one frame")

    windows: list[tuple[int, int]] = [(0, 0)]
    for previous, current in zip(layer_frames, layer_frames[1:], strict=False):
        windows.append(_crossfade_into(current.layer, current.start, current.end, previous.start, fps))
    total = bounds[-1]
    windows.append((total, total))

    lanes: tuple[list[LaneEntry], list[LaneEntry]] = ([], [])
    crossfades: list[Crossfade] = []
    switches: list[tuple[int, int]] = [(0, 0)]
    for lf in layer_frames:
        visible_start = windows[lf.index][0]
        visible_end = windows[lf.index + 1][1]
        lane = lanes[lf.lane]
        begin = lane[-1].visible_end if lane else 0
        if lane and begin > visible_start:
            raise ValueError(f"layer {lf.layer.id!r} is too short for its transitions")
        media: str = lf.layer.clip
        kind: str = lf.layer.kind
        if lf.layer.clip_type == "video":
            media, kind = "", "video-backdrop"  # the clip itself is overlaid; the lane shows black
        lane.append(LaneEntry(media=media, kind=kind, begin=begin, visible_start=visible_start,
                              visible_end=visible_end, motion=lf.layer.camera_motion))
        if lf.layer.carry_over is not None and lf.index > 0:
            # The outgoing lane shows the carried image from the boundary on, then fades out.
            out_lane = lanes[1 - lf.lane]
            out_lane.append(LaneEntry(media=lf.layer.carry_over.image, kind="carry", begin=lf.start,
                                      visible_start=lf.start, visible_end=windows[lf.index][1],
                                      motion="none"))
        if lf.index > 0:
            window_start, window_end = windows[lf.index]
            if window_end > window_start:
                crossfades.append(Crossfade(start=window_start, end=window_end, incoming_lane=lf.lane))
            switches.append((window_end, lf.lane))
    return RenderPlan(
        fps=fps,
        total_frames=total,
        layers=layer_frames,
        lanes=(tuple(lanes[0]), tuple(lanes[1])),
        crossfades=tuple(crossfades),
        switches=tuple(switches),
    )


def window(plan: RenderPlan, start: int, end: int) -> RenderPlan:
    """The part of ``plan`` showing frames [start, end), renumbered from 0: what one chunk's graph
    draws, so it reads and composites only the frames it shows (render/chunks.py).

    ``start`` and ``end`` must be span boundaries (render/spans.py), so no layer or crossfade is cut.
    Lane entries keep their visible range shifted, not clipped (it may begin before 0): camera moves
    are functions of the frame number, and a shifted entry moves exactly as in the whole render.
    """
    if not 0 <= start < end <= plan.total_frames:
        raise ValueError(f"window [{start}, {end}) outside the plan's {plan.total_frames} frames")
    cut = [fade for fade in plan.crossfades if fade.start < end and fade.end > start]
    if any(fade.start < start or fade.end > end for fade in cut):
        raise ValueError(f"window [{start}, {end}) cuts a crossfade")
    layers = tuple(replace(lf, start=lf.start - start, end=lf.end - start)
                   for lf in plan.layers if lf.start < end and lf.end > start)
    if any(lf.start < 0 or lf.end > end - start for lf in layers):
        raise ValueError(f"window [{start}, {end}) cuts a layer")

    def lane_window(entries: tuple[LaneEntry, ...]) -> tuple[LaneEntry, ...]:
        holds = zip(entries, [*(e.begin for e in entries[1:]), plan.total_frames][:len(entries)], strict=True)
        return tuple(replace(entry, begin=max(0, entry.begin - start), visible_start=entry.visible_start - start,
                             visible_end=entry.visible_end - start)
                     for entry, until in holds if entry.begin < end and until > start)

    showing = [switch for switch in plan.switches if switch[0] <= start][-1]
    return RenderPlan(
        fps=plan.fps,
        total_frames=end - start,
        layers=layers,
        lanes=(lane_window(plan.lanes[0]), lane_window(plan.lanes[1])),
        crossfades=tuple(replace(fade, start=fade.start - start, end=fade.end - start) for fade in cut),
        switches=((0, showing[1]),
                  *((frame - start, lane) for frame, lane in plan.switches if start < frame < end)),
    )

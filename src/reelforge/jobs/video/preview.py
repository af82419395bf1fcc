"""The session preview of ``/v2/status_detailed`` (samsar-js's ``video_session_preview.v1``): the
video's scenes as layers on a timeline, each showing the newest thing its stages have produced
(scene still, animated clip's source, narration), so a client can watch the video take shape
before the final render. Everything is read from the request's stage outputs as they land."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import ValidationError

from reelforge.core import requests
from reelforge.db.models import Request, wire_time
from reelforge.jobs.video.job import SCENE_SECONDS, VideoJob, scene_durations, scene_windows
from reelforge.jobs.video.steps import is_step_request
from reelforge.runtime import Runtime
from reelforge.stages import outputs as stage_outputs

SCHEMA = "video_session_preview.v1"
# The stages whose outputs a layer can preview, newest first.
PREVIEW_STAGES = ("video_generation", "ai_video_generation", "image_generation", "speech_generation")


OutT = TypeVar("OutT", bound=stage_outputs.StageOutput)


def _parsed(outputs: dict[str, dict[str, Any]], model: type[OutT]) -> OutT | None:
    raw = outputs.get(model.STAGE)
    return None if raw is None else model.model_validate(raw)


def detailed_status(rt: Runtime, req: Request) -> dict[str, Any]:
    """The normal status body plus ``status_detail_schema`` and the ``session`` preview."""
    body = requests.status_body(rt.db, req)
    return {**body, "status_detail_schema": SCHEMA, "session": session_preview(rt, req, body)}


def session_preview(rt: Runtime, req: Request, status: dict[str, Any]) -> dict[str, Any]:
    stages: dict[str, str] = status.get("expressGenerationStatus") or dict(req.stages)
    outputs = requests.stage_outputs(rt.db, req.id)
    job = _video_job(req)
    layers, audio, music = _timeline(rt, job, outputs) if job is not None else ([], [], [])
    plan = [name for group in req.input.get("plan", []) for name in group]
    completed = [name for name in plan if stages.get(name) == "COMPLETED"]
    result_url = status.get("result_url")
    duration = float(status.get("duration") or (layers[-1]["endTime"] if layers else 0.0))
    globals_ = [] if not result_url else [{
        "index": 0, "id": f"{req.id}:video", "type": "video", "source": "video_generation", "status": "COMPLETED",
        "startTime": 0.0, "endTime": duration, "duration": duration, "url": result_url,
    }]
    preview_stage = "video_generation" if result_url else next(
        (name for name in PREVIEW_STAGES if name in completed), completed[-1] if completed else None
    )
    current = next((name for name in plan if stages.get(name) not in ("COMPLETED",)), None)
    updated = req.updated_at or req.created_at
    return {
        "id": req.id,
        "requestId": req.id,
        "type": req.type,
        "routeType": "step" if is_step_request(req) else "express",
        "aspectRatio": job.aspect_ratio if job else status.get("aspect_ratio"),
        "duration": duration,
        "language": job.language if job else status.get("result_language"),
        "hasSubtitles": bool(status.get("has_subtitles", job.enable_subtitles if job else False)),
        "inputPrompt": job.prompt if job else None,
        "generationType": req.case_type,
        "provider": req.provider if isinstance(req.provider, str) else None,
        "narrativeType": "singular",
        "currentStage": current if req.status == "PENDING" else None,
        "previewStage": preview_stage,
        "completedStages": completed,
        "stages": stages,
        "layers": layers,
        "audioLayers": audio,
        "globalAudioLayers": music,
        "globalVideos": globals_,
        "result": {
            "url": result_url,
            "remoteURL": result_url,
            "videoLink": result_url,
            "hasSubtitles": status.get("has_subtitles"),
            "language": status.get("result_language"),
        },
        "createdAt": wire_time(req.created_at),
        "updatedAt": wire_time(updated),
    }


def _video_job(req: Request) -> VideoJob | None:
    """The request's input when it generates a video from scratch (session operations carry no scenes)."""
    if req.case_type not in ("text_to_video", "image_list_to_video"):
        return None
    try:
        return VideoJob.model_validate({k: v for k, v in req.input.items() if k in VideoJob.model_fields})
    except ValidationError:
        return None


Timeline = tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]


def _timeline(rt: Runtime, job: VideoJob, outputs: dict[str, dict[str, Any]]) -> Timeline:
    """Layers (one per scene), narration layers and the music bed from the outputs so far.

    Scene times follow the narration once it exists (as the render will); before that, the
    requested duration split evenly."""
    script = _parsed(outputs, stage_outputs.ScriptOutput)
    speech = _parsed(outputs, stage_outputs.SpeechOutput)
    stills = _parsed(outputs, stage_outputs.SceneImagesOutput)
    clips = _parsed(outputs, stage_outputs.ClipsOutput)
    music = _parsed(outputs, stage_outputs.MusicOutput)
    count = len(script.script.scenes) if script else (len(job.images) or job.scene_count)
    if speech and len(speech.speech) == count:
        durations = scene_durations([t.duration_s for t in speech.speech], job.duration)
    else:
        durations = [(job.duration / count) if job.duration else SCENE_SECONDS] * count
    still_keys = stills.scene_images if stills else [image.key for image in job.images]
    layers, audio = [], []
    for i, (start, end) in enumerate(scene_windows(durations)):
        scene = script.script.scenes[i] if script and i < len(script.script.scenes) else None
        still = rt.blobs.url(still_keys[i]) if i < len(still_keys) else None
        clip = clips.clips[i] if clips and i < len(clips.clips) else None
        track = speech.speech[i] if speech and i < len(speech.speech) else None
        spoken = rt.blobs.url(track.key) if track else None
        if clip is not None:
            # Offline clips are the still under a camera move, drawn frame by frame at render time.
            preview = {"stage": "ai_video_generation", "type": "image", "url": rt.blobs.url(clip.source)}
        elif still is not None:
            preview = {"stage": "image_generation", "type": "image", "url": still}
        elif spoken is not None:
            preview = {"stage": "speech_generation", "type": "audio", "url": spoken}
        else:
            preview = None
        layers.append({
            "index": i,
            "id": f"layer_{i}",
            "startTime": start,
            "endTime": end,
            "duration": round(end - start, 3),
            "status": "COMPLETED" if preview else "PENDING",
            "prompt": scene.narration if scene else None,
            "title": scene.title if scene else None,
            "image": {"status": "COMPLETED" if still else "PENDING", "url": still},
            "aiVideo": None if clip is None else {
                "status": "COMPLETED", "url": rt.blobs.url(clip.source), "motion": clip.motion,
            },
            "preview": preview,
        })
        if track is not None:
            audio.append({
                "index": i, "id": f"speech_{i}", "type": "speech", "status": "COMPLETED",
                "startTime": start, "endTime": round(start + track.duration_s, 3), "duration": track.duration_s,
                "prompt": scene.narration if scene else None, "url": spoken, "remoteAudioLinks": [spoken],
                "speaker": track.voice, "provider": track.provider,
                "connectedLayerId": f"layer_{i}", "connectedLayerIndex": i, "bindToLayer": True,
                "addSubtitles": job.enable_subtitles,
            })
    beds = [] if music is None else [{
        "index": 0, "id": "music_0", "type": "music", "status": "COMPLETED", "startTime": 0.0,
        "endTime": music.duration_s, "duration": music.duration_s, "url": rt.blobs.url(music.music_key),
        "isEnabled": True,
    }]
    return layers, audio, beds

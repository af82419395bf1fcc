"""Client-side commands: ``reelforge video|status|image|receipts|banner``, over the Python SDK.

Each command talks to a running server (``--base-url`` / ``--api-key`` or ``REELFORGE_BASE_URL`` /
``REELFORGE_API_KEY``), or with ``--local`` to an embedded server started for that one command.
Local files are sent as data: URLs. Long jobs show a live display of the pipeline's stages on
stderr; ``--json`` prints one machine-readable JSON document on stdout. API errors print the
server's message and exit 1. Only ``--local`` needs ``reelforge[server]``; everything else runs on
the client install.
"""

from __future__ import annotations

import functools
import inspect
import json
import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, get_type_hints

import typer
from rich.console import Console, Group, RenderableType
from rich.live import Live
from rich.spinner import Spinner
from rich.table import Table
from rich.text import Text

from reelforge.cli._output import err_console, exit_with_error, out_console
from reelforge.client import APIResult, Client, JobFailedError, ReelforgeError, RequestStatus, to_data_url
from reelforge.client.events import ProgressEvent
from reelforge.client.models import ApiModel
from reelforge.extras import ServerNotInstalledError

video_app = typer.Typer(help="Generate videos (client commands).", no_args_is_help=True)
image_app = typer.Typer(help="Image operations (client commands).", no_args_is_help=True)
receipts_app = typer.Typer(help="Receipt templates and extraction (client commands).", no_args_is_help=True)



# ---------------------------------------------------------------- common options and the session


@dataclass
class Session:
    """What a client command gets: a connected client and how to print."""

    client: Client
    json_output: bool
    timeout: float

    def emit(self, payload: dict[str, Any], human: str) -> None:
        if self.json_output:
            typer.echo(json.dumps(payload, indent=2, default=str))
        else:
            out_console.print(human, highlight=False, soft_wrap=True)


COMMON_OPTIONS = [
    inspect.Parameter(
        "base_url",
        inspect.Parameter.KEYWORD_ONLY,
        default=None,
        annotation=Annotated[
            str | None,
            typer.Option(
                "--base-url",
                envvar="REELFORGE_BASE_URL",
                help="API base URL (default http://127.0.0.1:8000/v1; https://api.samsar.one/v1 works too).",
            ),
        ],
    ),
    inspect.Parameter(
        "api_key",
        inspect.Parameter.KEYWORD_ONLY,
        default=None,
        annotation=Annotated[str | None, typer.Option("--api-key", envvar="REELFORGE_API_KEY", help="API key.")],
    ),
    inspect.Parameter(
        "json_output",
        inspect.Parameter.KEYWORD_ONLY,
        default=False,
        annotation=Annotated[bool, typer.Option("--json", help="Print machine-readable JSON on stdout.")],
    ),
    inspect.Parameter(
        "local",
        inspect.Parameter.KEYWORD_ONLY,
        default=False,
        annotation=Annotated[
            bool, typer.Option("--local", help="Start an embedded server (temporary data) just for this command.")
        ],
    ),
    inspect.Parameter(
        "timeout",
        inspect.Parameter.KEYWORD_ONLY,
        default=900.0,
        annotation=Annotated[float, typer.Option("--timeout", help="Seconds to wait for a job to finish.")],
    ),
]
COMMON_NAMES = [p.name for p in COMMON_OPTIONS]


def _error_payload(exc: ReelforgeError) -> dict[str, Any]:
    code = exc.code or ("job_failed" if isinstance(exc, JobFailedError) else "request_failed")
    payload = {"error": code, "message": exc.message, "field": exc.field, "status": exc.status}
    if isinstance(exc.body, dict) and exc.body.get("request_id"):
        payload["request_id"] = exc.body["request_id"]
    return payload


def client_command(func: Callable[..., None]) -> Callable[..., None]:
    """Give a command the common options; it receives a ``Session`` as its first argument."""
    signature = inspect.signature(func, eval_str=True)
    own = [p for name, p in signature.parameters.items() if name != "session"]
    hints = {k: v for k, v in get_type_hints(func, include_extras=True).items() if k not in ("session", "return")}

    @functools.wraps(func)
    def command(**kwargs: Any) -> None:
        common = {name: kwargs.pop(name) for name in COMMON_NAMES}
        try:
            with open_session(**common) as session:
                func(session, **kwargs)
        except ReelforgeError as exc:
            if common["json_output"]:
                typer.echo(json.dumps(_error_payload(exc), indent=2))
            where = f" (field: {exc.field})" if exc.field else ""
            status = f" {exc.status}" if exc.status else ""
            raise exit_with_error(f"{exc.message}{where}", label=f"Error{status}") from exc
        except ServerNotInstalledError as exc:  # --local without the server extra
            raise exit_with_error(str(exc)) from exc
        except ValueError as exc:  # an argument the SDK refused before sending anything
            raise exit_with_error(str(exc), code=2) from exc

    command.__signature__ = signature.replace(parameters=own + COMMON_OPTIONS)  # type: ignore[attr-defined]
    command.__annotations__ = {**hints, **{p.name: p.annotation for p in COMMON_OPTIONS}}
    return command


@contextmanager
def open_session(
    base_url: str | None, api_key: str | None, json_output: bool, local: bool, timeout: float
) -> Iterator[Session]:
    if not local:
        with Client(api_key, base_url=base_url) as client:
            yield Session(client, json_output, timeout)
        return
    from reelforge.client.local import LocalServer

    # The embedded server's own logs (stage tracebacks, DBOS start-up) would tear the display;
    # failures still reach the user as the job's error message.
    for name in ("dbos", "reelforge"):
        logging.getLogger(name).setLevel(logging.CRITICAL)
    with err_console.status("Starting the embedded reelforge server…"):
        server = LocalServer().start()
    try:
        with Client(server.api_key, base_url=server.base_url) as client:
            yield Session(client, json_output, timeout)
    finally:
        server.stop()


# ---------------------------------------------------------------- progress of a running job

STATE_WORDS = {"PENDING": "running", "COMPLETED": "done", "FAILED": "failed", "CANCELLED": "cancelled"}
ICONS = {"COMPLETED": Text("✓", style="green"), "FAILED": Text("✗", style="red"), "CANCELLED": Text("✗", style="red")}


class StageDisplay:
    """Shows a job's stages as they change: a live Rich view on a terminal, one line per change otherwise."""

    def __init__(self, console: Console, title: str) -> None:
        self.console = console
        self.title = title
        self.stages: dict[str, str] = {}
        self.state = "PENDING"
        self.started = time.monotonic()
        self.live: Live | None = None
        self.percent: float | None = None
        self.eta_s: float | None = None
        self.current: str | None = None  # the stage the last event was about, with its percent

    def __enter__(self) -> StageDisplay:
        if self.console.is_terminal:
            self.live = Live(self.render(), console=self.console, refresh_per_second=10, transient=False)
            self.live.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.live is not None:
            self.live.update(self.render(), refresh=True)
            self.live.stop()

    def update(self, status: RequestStatus) -> None:
        changed = {k: v for k, v in status.stages.items() if self.stages.get(k) != v}
        self.stages.update(status.stages)
        if status.is_completed:
            self.stages = {k: "COMPLETED" for k in self.stages}
        self.state = status.status
        if self.live is not None:
            self.live.update(self.render())
            return
        for stage, state in changed.items():
            if state != "PENDING":  # every stage starts PENDING: only report movement
                self.console.print(f"{self.title}: {stage} {state}", highlight=False)
        if status.is_terminal:
            self.console.print(f"{self.title}: {status.status}", highlight=False)

    def event(self, event: ProgressEvent) -> None:
        """Follow the server's event stream: stage, percent, ETA and queue position."""
        self.percent, self.eta_s = event.percent, event.eta_s if event.eta_s is not None else self.eta_s
        if event.type == "accepted":
            self.stages = {name: "PENDING" for group in event.data.get("stages", []) for name in group}
        elif event.stage and event.type in ("stage_started", "progress"):
            self.stages[event.stage] = "IN_PROGRESS"
            self.current = event.stage + (f" {event.stage_percent:.0f}%" if event.stage_percent is not None else "")
        elif event.stage and event.type == "stage_finished":
            self.stages[event.stage] = "COMPLETED"
        elif event.type == "queued":
            self.current = f"queued ({event.queue_position} ahead)"
        if event.is_terminal:
            self.state = event.type.upper()
            if event.type == "completed":
                self.stages = {k: "COMPLETED" for k in self.stages}
        if self.live is not None:
            self.live.update(self.render())
        elif event.type in ("queued", "stage_started", "stage_finished") or event.is_terminal:
            self.console.print(f"{self.title}: {self._line(event)}", highlight=False)

    def _line(self, event: ProgressEvent) -> str:
        what = event.type.replace("_", " ") + (f" {event.stage}" if event.stage else "")
        if event.queue_position is not None:
            what += f" (position {event.queue_position})"
        return f"{what} · {event.percent:.0f}%" + (f" · ETA {event.eta_s:.0f}s" if event.eta_s is not None else "")

    def render(self) -> RenderableType:
        done = sum(1 for s in self.stages.values() if s == "COMPLETED")
        elapsed = time.monotonic() - self.started
        progress = f" · {self.percent:.0f}%" if self.percent is not None else ""
        eta = f" · ETA {self.eta_s:.0f}s" if self.eta_s is not None and self.state == "PENDING" else ""
        current = f" · {self.current}" if self.current and self.state == "PENDING" else ""
        header = Text.assemble(
            (f"{self.title} ", "bold"),
            (f"{done}/{len(self.stages) or '?'} stages · {elapsed:.0f}s{progress}{eta}{current} · {self.state}", "dim"),
        )
        grid = Table.grid(padding=(0, 1))
        for stage, state in self.stages.items():
            icon: RenderableType = ICONS.get(state) or (
                Spinner("dots", style="cyan") if state == "IN_PROGRESS" else Text("·", style="dim")
            )
            grid.add_row(icon, Text(stage.replace("_", " ")), Text(state.lower().replace("_", " "), style="dim"))
        return Group(header, grid)


# ---------------------------------------------------------------- shared steps


def as_url(source: str) -> str:
    """An http(s)/data: URL unchanged, a local file as a data: URL."""
    if source.startswith(("http://", "https://", "data:")):
        return source
    path = Path(source)
    if not path.is_file():
        raise typer.BadParameter(f"{source} is neither a URL nor a file")
    return to_data_url(path)


def _data(result: APIResult[Any]) -> dict[str, Any]:
    data = result.data
    return data.to_dict() if isinstance(data, ApiModel) else {"value": data}


def finish_job(session: Session, accepted: APIResult[Any], title: str, output: Path | None) -> dict[str, Any]:
    """Wait for an accepted job with a live stage display, then save its result to ``output``."""
    body = _data(accepted)
    request_id = body.get("request_id")
    final = body
    if request_id and not body.get("result_url"):
        err_console.print(
            f"{title}: request [bold]{request_id}[/] accepted, {accepted.credits_charged} credits charged"
        )
        with StageDisplay(err_console, title) as display:
            status = session.client.wait(
                request_id, timeout=session.timeout, poll_interval=0.5, on_event=display.event
            )
        final = status.to_dict()
    out: dict[str, Any] = {**final, "credits_charged": accepted.credits_charged}
    url = final.get("result_url") or (final.get("result_urls") or [None])[0]
    if output is not None:
        if not url:
            raise ReelforgeError(f"{request_id or title} finished without a result URL to save", body=final)
        out["output"] = str(session.client.download(url, output))
    return out


def _summary(out: dict[str, Any]) -> str:
    parts = [f"[green]✓[/] {out.get('request_id') or ''}"]
    if out.get("output"):
        parts.append(f"saved [bold]{out['output']}[/]")
    elif out.get("result_url"):
        parts.append(str(out["result_url"]))
    if out.get("duration"):
        parts.append(f"{float(out['duration']):.1f} s")
    if out.get("credits_charged") is not None:
        parts.append(f"{out['credits_charged']} credits")
    return " · ".join(parts)


OutputOpt = Annotated[Path | None, typer.Option("--output", "-o", help="Save the result here.")]
AspectOpt = Annotated[str, typer.Option("--aspect", help="16:9 or 9:16.")]
LanguageOpt = Annotated[str, typer.Option("--language", help="Narration/subtitle language (auto, en, es, …).")]
NoWaitOpt = Annotated[bool, typer.Option("--no-wait", help="Print the accepted request and return.")]


def _video_fields(
    prompt: str | None, cta_url: str | None, cta_text: str | None, subtitles: bool, font: str | None, model: str | None
) -> dict[str, Any]:
    fields: dict[str, Any] = {"prompt": prompt, "enable_subtitles": subtitles, "font_key": font, "video_model": model}
    if cta_url:
        fields.update(cta_url=cta_url, generate_outro_image=True, cta_text_top=cta_text)
    return {k: v for k, v in fields.items() if v is not None}


def _submit_video(session: Session, accepted: APIResult[Any], output: Path | None, no_wait: bool) -> None:
    if no_wait:
        body = _data(accepted)
        session.emit(body, f"accepted {body.get('request_id')} · {accepted.credits_charged} credits")
        return
    out = finish_job(session, accepted, "video", output)
    session.emit(out, _summary(out))


# ---------------------------------------------------------------- commands


@video_app.command("from-images")
@client_command
def video_from_images(
    session: Session,
    images: Annotated[list[str], typer.Argument(help="Image files or URLs, in scene order.")],
    prompt: Annotated[str | None, typer.Option(help="What the video is about.")] = None,
    cta_url: Annotated[str | None, typer.Option("--cta-url", help="Adds a QR outro pointing here.")] = None,
    cta_text: Annotated[str | None, typer.Option("--cta-text", help="Text above the QR code.")] = None,
    aspect: AspectOpt = "16:9",
    language: LanguageOpt = "auto",
    subtitles: Annotated[bool, typer.Option("--subtitles/--no-subtitles")] = True,
    font: Annotated[str | None, typer.Option("--font", help="Subtitle font key.")] = None,
    model: Annotated[str | None, typer.Option("--model", help="video_model key.")] = None,
    output: OutputOpt = None,
    no_wait: NoWaitOpt = False,
) -> None:
    """Make a video from images (local files are uploaded as data: URLs)."""
    fields = _video_fields(prompt, cta_url, cta_text, subtitles, font, model)
    accepted = session.client.create_video_from_image_list(
        image_urls=[as_url(i) for i in images], aspect_ratio=aspect, language=language, **fields
    )
    _submit_video(session, accepted, output, no_wait)


@video_app.command("from-text")
@client_command
def video_from_text(
    session: Session,
    prompt: Annotated[str, typer.Argument(help="What the video is about.")],
    duration: Annotated[float, typer.Option(help="Target length in seconds.")] = 20,
    aspect: AspectOpt = "16:9",
    language: LanguageOpt = "auto",
    cta_url: Annotated[str | None, typer.Option("--cta-url", help="Adds a QR outro pointing here.")] = None,
    cta_text: Annotated[str | None, typer.Option("--cta-text", help="Text above the QR code.")] = None,
    subtitles: Annotated[bool, typer.Option("--subtitles/--no-subtitles")] = True,
    font: Annotated[str | None, typer.Option("--font", help="Subtitle font key.")] = None,
    model: Annotated[str | None, typer.Option("--model", help="video_model key.")] = None,
    image_model: Annotated[str | None, typer.Option("--image-model", help="image_model key.")] = None,
    output: OutputOpt = None,
    no_wait: NoWaitOpt = False,
) -> None:
    """Make a video from a prompt (POST /v1/video/text_to_video)."""
    fields = _video_fields(prompt, cta_url, cta_text, subtitles, font, model)
    if image_model:
        fields["image_model"] = image_model
    accepted = session.client.create_text_to_video(duration=duration, aspect_ratio=aspect, language=language, **fields)
    _submit_video(session, accepted, output, no_wait)


@client_command
def status_command(
    session: Session,
    request_id: Annotated[str, typer.Argument(help="A request or session id.")],
    wait: Annotated[bool, typer.Option("--wait", help="Follow the stages until the request ends.")] = False,
    output: OutputOpt = None,
) -> None:
    """Show a request's status (and with --wait, follow it; with -o, save its result)."""
    status = session.client.get_status(request_id).data
    if wait and not status.is_terminal:
        with StageDisplay(err_console, request_id) as display:
            status = session.client.wait(
                request_id,
                timeout=session.timeout,
                poll_interval=0.5,
                on_progress=display.update,
                raise_on_failure=False,
            )
    out = status.to_dict()
    if output is not None and status.is_completed and status.url:
        out["output"] = str(session.client.download(status.url, output))
    lines = [f"[bold]{request_id}[/] {status.status}"]
    lines += [f"  {stage}: {state}" for stage, state in status.stages.items()]
    if status.url:
        lines.append(f"  result: {status.url}")
    if out.get("output"):
        lines.append(f"  saved {out['output']}")
    if status.express_generation_error or (status.status != "COMPLETED" and status.message):
        lines.append(f"  message: {status.express_generation_error or status.message}")
    session.emit(out, "\n".join(lines))
    if status.status in ("FAILED", "CANCELLED"):
        raise typer.Exit(1)


def _image_job(session: Session, accepted: APIResult[Any], title: str, output: Path | None) -> None:
    out = finish_job(session, accepted, title, output)
    session.emit(out, _summary(out))


ImageArg = Annotated[str, typer.Argument(help="An image file or URL.")]


@image_app.command("enhance")
@client_command
def image_enhance(
    session: Session,
    image: ImageArg,
    resolution: Annotated[str, typer.Option(help="1k, 2k or 4k.")] = "2k",
    output: OutputOpt = None,
) -> None:
    """Upscale and denoise an image."""
    accepted = session.client.enhance_image(image_url=as_url(image), resolution=resolution)
    _image_job(session, accepted, "enhance", output)


@image_app.command("remove-branding")
@client_command
def image_remove_branding(
    session: Session,
    image: ImageArg,
    replacement: Annotated[str | None, typer.Option(help="A logo to put where the branding was.")] = None,
    output: OutputOpt = None,
) -> None:
    """Remove (or replace) watermarks, logos and overlaid text."""
    if replacement:
        accepted = session.client.replace_branding_from_image(image_urls=[as_url(image), as_url(replacement)])
    else:
        accepted = session.client.remove_branding_from_image(image_url=as_url(image))
    _image_job(session, accepted, "remove-branding", output)


def _metadata(pairs: list[str]) -> dict[str, str]:
    meta: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise typer.BadParameter(f"expected KEY=VALUE, got {pair!r}", param_hint="--metadata")
        meta[key.strip()] = value.strip()
    return meta


@image_app.command("title")
@client_command
def image_title(
    session: Session,
    image: ImageArg,
    metadata: Annotated[list[str], typer.Option("--metadata", "-m", help="KEY=VALUE facts about the image.")] = [],  # noqa: B006
) -> None:
    """A short SEO title for an image (local files are uploaded as multipart binaries)."""
    meta = _metadata(metadata)
    path = Path(image)
    if not image.startswith(("http://", "https://", "data:")) and path.is_file():
        result = session.client.assign_image_title(image=path, metadata=meta)
    else:
        result = session.client.assign_image_title(image_url=as_url(image), metadata=meta)
    body = _data(result)
    session.emit(body, str(body.get("content") or body.get("title") or ""))


@receipts_app.command("create")
@client_command
def receipts_create(
    session: Session,
    image: ImageArg,
    name: Annotated[str | None, typer.Option("--name", help="Template name.")] = None,
) -> None:
    """Build a reusable receipt template from one sample receipt (free)."""
    body = _data(session.client.create_receipt_template({"image_url": as_url(image), "template_name": name}))
    session.emit(body, f"template [bold]{body.get('template_id')}[/]")


@receipts_app.command("query")
@client_command
def receipts_query(
    session: Session,
    image: ImageArg,
    template: Annotated[str, typer.Option("--template", "-t", help="Template id.")],
) -> None:
    """Extract a receipt against a saved template (50 credits)."""
    result = session.client.query_receipt_template(image_url=as_url(image), template_id=template)
    body = _data(result)
    receipt = body.get("standardized_receipt") or body.get("receipt_json") or body
    session.emit(body, json.dumps(receipt, indent=2, ensure_ascii=False))


@client_command
def banner_command(
    session: Session,
    images: Annotated[list[str], typer.Argument(help="Tile images (files or URLs).")],
    header: Annotated[str | None, typer.Option(help="Header image.")] = None,
    footer: Annotated[str | None, typer.Option(help="Footer image.")] = None,
    columns: Annotated[int | None, typer.Option(help="Tiles per row (1–6).")] = None,
    max_tiles: Annotated[int | None, typer.Option("--max-tiles", help="Tiles in the grid.")] = None,
    enhance: Annotated[bool, typer.Option("--enhance", help="Upscale small tiles first.")] = False,
    tile_width: Annotated[
        int | None, typer.Option("--tile-width", help="Tile width in pixels for a quick preview (reelforge only).")
    ] = None,
    output: OutputOpt = None,
) -> None:
    """Make a roll-up banner from tile images."""
    fields: dict[str, Any] = {
        "images": [{"image_url": as_url(i)} for i in images],
        "header_image_url": as_url(header) if header else None,
        "footer_image_url": as_url(footer) if footer else None,
        "columns": columns,
        "max_tiles": max_tiles,
        "tile_width": tile_width,
    }
    create = session.client.enhance_and_generate_rollup_banner if enhance else session.client.create_rollup_banner
    _image_job(session, create(fields), "banner", output)


def register(app: typer.Typer) -> None:
    """Add the client commands to the ``reelforge`` CLI."""
    app.add_typer(video_app, name="video")
    app.add_typer(image_app, name="image")
    app.add_typer(receipts_app, name="receipts")
    app.command("status")(status_command)
    app.command("banner")(banner_command)

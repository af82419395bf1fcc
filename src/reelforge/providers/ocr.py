"""Offline OCR engines behind one small interface.

Two engines are wired in:

* :class:`RapidOcrEngine` — PP-OCRv4 ONNX models shipped inside the ``rapidocr-onnxruntime``
  wheel. Good on Latin text and digits, also on stylised overlays; it cannot read Thai.
* :class:`TesseractEngine` — the ``tesseract`` program (Debian ``tesseract-ocr`` plus language
  packs) through pytesseract. Used for Thai (``tha+eng``) and whenever RapidOCR is missing.

Both return :class:`OcrLine` objects with pixel boxes in the coordinates of the image passed in.
"""

from __future__ import annotations

import importlib.metadata
import os
import shutil
import tempfile
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Protocol, runtime_checkable

import numpy as np
from PIL import Image

from reelforge.core.hashing import content_hash
from reelforge.imaging.png import write_png
from reelforge.providers.onnx_sessions import without_spinning
from reelforge.storage.answers import remembered
from reelforge.text.scripts import script_of

Box = tuple[int, int, int, int]
"""Pixel box ``(x0, y0, x1, y1)``, x1/y1 exclusive."""


class OcrUnavailableError(RuntimeError):
    """The requested OCR engine (program, language pack or wheel) is not installed."""


@dataclass(frozen=True)
class OcrLine:
    """One line (or text fragment) found by an OCR engine."""

    text: str
    box: Box
    confidence: float

    @property
    def center_y(self) -> float:
        return (self.box[1] + self.box[3]) / 2

    @property
    def height(self) -> int:
        return self.box[3] - self.box[1]


@runtime_checkable
class OcrEngine(Protocol):
    """Anything that turns an image into text lines with boxes."""

    name: str

    def read(self, image: Image.Image) -> list[OcrLine]: ...


def _box_from_points(points: Iterable[Iterable[float]]) -> Box:
    pts = np.asarray(list(points), dtype=float).reshape(-1, 2)
    x0, y0 = np.floor(pts.min(axis=0)).astype(int)
    x1, y1 = np.ceil(pts.max(axis=0)).astype(int)
    return int(x0), int(y0), int(x1), int(y1)


# --- RapidOCR -------------------------------------------------------------------------------

_rapid_lock = threading.Lock()


_detector_lock = threading.Lock()


def _build_sessions_without_spinning() -> None:
    """RapidOCR builds its onnxruntime sessions itself (``OrtInferSession._init_sess_opts``), with
    no option for this: its options builder is wrapped once so every session is built without
    spinning (providers/onnx_sessions.py)."""
    from rapidocr_onnxruntime.utils import infer_engine

    build = infer_engine.OrtInferSession._init_sess_opts
    if getattr(build, "without_spinning", False):
        return

    def build_without_spinning(config: dict[str, Any]) -> Any:
        return without_spinning(build(config))

    build_without_spinning.without_spinning = True  # type: ignore[attr-defined]
    infer_engine.OrtInferSession._init_sess_opts = staticmethod(build_without_spinning)


def _rapid_ocr(**config: Any) -> Any:
    try:
        from rapidocr_onnxruntime import RapidOCR
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise OcrUnavailableError("rapidocr-onnxruntime is not installed") from exc
    _build_sessions_without_spinning()
    return RapidOCR(**config)


@lru_cache(maxsize=1)
def _rapid_model() -> Any:
    """The ONNX sessions take ~0.5 s and ~400 MB to load: build them once per process."""
    return _rapid_ocr()


@lru_cache(maxsize=1)
def _rapid_detector() -> Any:
    """The same models, detecting at the size of the image passed in. RapidOCR's default scales the
    short side up to 736 px, which suits reading small print but made a 960×549 photo 1287×736 and a
    640×360 frame 1308×736, for layout checks whose callers already chose the size text must be found
    at (0.15 s instead of 0.23 s and 0.08 s instead of 0.26 s; the same boxes). Its own instance
    (+25 MB), as RapidOCR keeps per-call state."""
    return _rapid_ocr(det_limit_type="max")


def _package_version(name: str) -> str:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:  # pragma: no cover - depends on the environment
        return "absent"


_RAPIDOCR = _package_version("rapidocr-onnxruntime")


def _pixels_key(rgb: np.ndarray) -> str:
    return content_hash({"pixels": rgb.tobytes(), "shape": list(rgb.shape)})


# RapidOCR's answers for pixels seen before (storage/answers.py): the same pixels come back often (a
# video's script reads the print on its product photos; its render frames them around their text;
# every session operation, re-roll and other video of the same catalogue asks again; the quality
# report samples frames of spans re-used byte for byte). Reading a photo costs 0.3-1 s and
# detection 0.15-0.25 s; hashing a 1280 px image's pixels a few ms. The answers are lists of frozen
# values, copied out by the callers. The namespaces name the package and its version: another
# version (other models, other defaults) never gets an older one's answers.
@remembered(f"rapidocr-{_RAPIDOCR}-lines", key=_pixels_key)
def _lines_in(rgb: np.ndarray) -> list[OcrLine]:
    """Every line RapidOCR reads in ``rgb`` (C-contiguous RGB pixels), whatever its confidence."""
    bgr = np.ascontiguousarray(rgb[:, :, ::-1])
    with _rapid_lock:
        result, _elapsed = _rapid_model()(bgr)
    return [OcrLine(str(text).strip(), _box_from_points(points), float(score)) for points, text, score in result or []]


@remembered(f"rapidocr-{_RAPIDOCR}-regions-at-size", key=_pixels_key)
def _regions_in(rgb: np.ndarray) -> list[Box]:
    bgr = np.ascontiguousarray(rgb[:, :, ::-1])
    with _detector_lock:
        result, _elapsed = _rapid_detector()(bgr, use_det=True, use_cls=False, use_rec=False)
    return [_box_from_points(points) for points in result or []]


class RapidOcrEngine:
    """PP-OCRv4 through rapidocr-onnxruntime; one shared model, calls serialised by a lock
    (onnxruntime sessions are thread-safe, but the RapidOCR wrapper keeps per-call state)."""

    name = "rapidocr"

    def __init__(self, min_confidence: float = 0.5) -> None:
        self.min_confidence = min_confidence

    def read(self, image: Image.Image) -> list[OcrLine]:
        lines = _lines_in(np.ascontiguousarray(np.asarray(image.convert("RGB"))))
        return [line for line in lines if line.confidence >= self.min_confidence and line.text]


def text_regions(image: Image.Image) -> list[Box]:
    """Boxes of the text lines in ``image`` from RapidOCR's detector alone (no recognition: where
    text is, not what it says, at a fraction of the cost), for framing and layout decisions.

    The detector runs at the image's own size: callers downscale to the size at which the text they
    care about is still found (and pad an image whose edges matter: a line cut by the image's own
    border gets a box starting past its first whole glyph)."""
    return list(_regions_in(np.ascontiguousarray(np.asarray(image.convert("RGB")))))


# --- Tesseract ------------------------------------------------------------------------------


# Tesseract's OpenMP threads make results vary slightly from run to run under load and slow
# down parallel workers; one thread per process is both deterministic and faster overall.
os.environ.setdefault("OMP_THREAD_LIMIT", "1")


def tesseract_available(lang: str = "eng") -> bool:
    """True when the tesseract program and every language pack in ``lang`` are installed."""
    if shutil.which("tesseract") is None:
        return False
    try:
        import pytesseract
    except ImportError:  # pragma: no cover - depends on the environment
        return False
    installed = set(_tesseract_languages(pytesseract))
    return all(part in installed for part in lang.split("+"))


@lru_cache(maxsize=1)
def _tesseract_languages(pytesseract: Any) -> tuple[str, ...]:
    return tuple(pytesseract.get_languages(config=""))


class TesseractEngine:
    """Tesseract 5 (LSTM) through pytesseract. Words are grouped back into lines using
    tesseract's own block/paragraph/line numbering, so boxes match RapidOCR's granularity."""

    name = "tesseract"

    def __init__(
        self,
        lang: str = "eng",
        psm: int = 6,
        min_confidence: float = 0.0,
        char_whitelist: str | None = None,
    ) -> None:
        if not tesseract_available(lang):
            raise OcrUnavailableError(f"tesseract with language pack(s) {lang!r} is not installed")
        self.lang = lang
        self.psm = psm
        self.min_confidence = min_confidence
        self.char_whitelist = char_whitelist

    def _config(self) -> str:
        # preserve_interword_spaces keeps the gap between a label and its amount visible.
        config = f"--psm {self.psm} -c preserve_interword_spaces=1"
        if self.char_whitelist:
            config += f" -c tessedit_char_whitelist={self.char_whitelist}"
        return config

    def read(self, image: Image.Image) -> list[OcrLine]:
        import pytesseract

        # tesseract reads a file: written here by the fast PNG writer, not by pytesseract through
        # Pillow's zlib at level 6 (a receipt photo: ~0.3 s of the read otherwise).
        with tempfile.NamedTemporaryFile(suffix=".png", prefix="reelforge-ocr-") as page:
            write_png(page, image.convert("RGB"), level=1)
            page.flush()
            data = pytesseract.image_to_data(
                page.name,
                lang=self.lang,
                config=self._config(),
                output_type=pytesseract.Output.DICT,
            )
        groups: dict[tuple[int, int, int], list[int]] = {}
        for i, word in enumerate(data["text"]):
            if not str(word).strip() or float(data["conf"][i]) < 0:
                continue
            key = (data["block_num"][i], data["par_num"][i], data["line_num"][i])
            groups.setdefault(key, []).append(i)
        lines: list[OcrLine] = []
        for indices in groups.values():
            indices.sort(key=lambda i: data["left"][i])
            text = _join_words([str(data["text"][i]).strip() for i in indices], self.lang)
            x0 = min(data["left"][i] for i in indices)
            y0 = min(data["top"][i] for i in indices)
            x1 = max(data["left"][i] + data["width"][i] for i in indices)
            y1 = max(data["top"][i] + data["height"][i] for i in indices)
            confidence = float(np.mean([float(data["conf"][i]) for i in indices])) / 100.0
            if confidence >= self.min_confidence:
                lines.append(OcrLine(text, (x0, y0, x1, y1), confidence))
        lines.sort(key=lambda line: (line.box[1], line.box[0]))
        return lines


def _join_words(words: list[str], lang: str) -> str:
    """Join tesseract words. Thai is written without spaces between words, and tesseract splits
    Thai runs into fragments, so adjacent Thai fragments are glued back together."""
    if "tha" not in lang:
        return " ".join(words)
    out = ""
    for word in words:
        if out and not (_is_thai(out[-1]) and _is_thai(word[0])):
            out += " "
        out += word
    return out


def _is_thai(char: str) -> bool:
    return script_of(char) == "Thai"


def contains_thai(text: str) -> bool:
    return any(_is_thai(c) for c in text)


# --- choosing an engine ---------------------------------------------------------------------

_THAI_KEYS = {"th", "tha", "thai", "th-th"}


@lru_cache(maxsize=8)
def tesseract_engine(lang: str) -> TesseractEngine:
    """A shared :class:`TesseractEngine` per language spec (``eng``, ``tha+eng``...)."""
    return TesseractEngine(lang=lang)


@lru_cache(maxsize=1)
def rapid_engine() -> RapidOcrEngine:
    """The shared :class:`RapidOcrEngine` (its model loads lazily on first ``read``)."""
    return RapidOcrEngine()


def default_ocr() -> OcrEngine:
    """The engine for Latin text: RapidOCR when installed, else tesseract ``eng``."""
    try:
        _rapid_model()
        return rapid_engine()
    except OcrUnavailableError:
        return tesseract_engine("eng")


def ocr_for_language(lang: str | None) -> OcrEngine:
    """Pick an engine for a language key (``en``, ``th``, ...). Thai needs tesseract's ``tha``
    pack (RapidOCR's models have no Thai script); everything else prefers RapidOCR."""
    key = (lang or "en").strip().lower()
    if key in _THAI_KEYS:
        return tesseract_engine("tha+eng")
    return default_ocr()

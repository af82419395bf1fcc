"""Font registry: which installed font families can render subtitles/cards for each language.

Which families a language wants, best first, is the language table's (:mod:`reelforge.text.languages`);
this module finds which of them are installed and how to load them (Pillow, libass).

Fonts come from two places:
- PyPI ``fontpkg-*`` wheels (Poppins, Montserrat, Noto Sans Thai/Arabic/Devanagari), discovered
  through the ``fontpkg`` entry-point registry;
- Debian ``fonts-noto-cjk`` (Noto Sans CJK JP/KR/SC/TC in one ``.ttc`` collection).

Only families whose files exist *and* load are reported, so ``fonts_by_language()`` is exactly
what the renderer can draw with.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import fontpkg
from PIL import ImageFont

from reelforge.text.languages import LANGUAGES, LATIN_FONTS, font_families

# Subtitles read better heavy; static families pick the first of these weights that exists.
_PREFERRED_WEIGHTS = (600, 700, 500, 400)

# Noto CJK collections from Debian's fonts-noto-cjk, face index per family inside the .ttc.
_CJK_COLLECTIONS = (
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc"),
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
)
_CJK_FACES = {"Noto Sans CJK JP": 0, "Noto Sans CJK KR": 1, "Noto Sans CJK SC": 2, "Noto Sans CJK TC": 3}


class UnsupportedFont(ValueError):
    """The requested font key is not installed or cannot render the requested language."""


@dataclass(frozen=True)
class FontChoice:
    family: str  # the font's own family name (what libass / ASS styles match on)
    path: Path  # the file to load (Pillow: ImageFont.truetype(path, size, index=face_index))
    fonts_dir: Path  # a directory holding only this family's files (libass ``fontsdir``)
    face_index: int = 0  # face inside a .ttc collection


def _font_cache_root() -> Path:
    override = os.environ.get("REELFORGE_FONT_CACHE")
    if override:
        return Path(override)
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "reelforge" / "fonts"


def _isolated_dir_for(path: Path) -> Path:
    """A directory containing just ``path`` (symlinked): libass loads every file of a fontsdir into
    memory, and /usr/share/fonts/opentype/noto also holds ~80 MB of serif CJK we never use."""
    digest = hashlib.sha256(str(path).encode()).hexdigest()[:12]
    target_dir = _font_cache_root() / f"{path.stem}-{digest}"
    link = target_dir / path.name
    if not link.exists():
        target_dir.mkdir(parents=True, exist_ok=True)
        tmp = target_dir / f".{path.name}.{os.getpid()}"
        tmp.unlink(missing_ok=True)
        tmp.symlink_to(path)
        os.replace(tmp, link)  # atomic: concurrent workers never see a half-made link
    return target_dir


def _loads_as(path: Path, face_index: int, family: str) -> bool:
    try:
        loaded_family = ImageFont.truetype(str(path), 24, index=face_index).getname()[0]
    except OSError:
        return False
    return loaded_family == family


def _pick_file(fam: fontpkg.Family) -> Path:
    normal = [f for f in fam.files if f.style == "normal"] or list(fam.files)
    variable = [f for f in normal if f.variable]
    if variable:
        return variable[0].path
    for weight in _PREFERRED_WEIGHTS:
        for font_file in normal:
            if font_file.weight == weight:
                return font_file.path
    return normal[0].path


def _wheel_choice(family: str) -> FontChoice | None:
    try:
        fam = fontpkg.family(family)
    except fontpkg.FontpkgError:
        return None
    path = _pick_file(fam)
    if not _loads_as(path, 0, family):
        return None
    return FontChoice(family=family, path=path, fonts_dir=path.parent)


def _cjk_choice(family: str) -> FontChoice | None:
    index = _CJK_FACES.get(family)
    if index is None:
        return None
    for collection in _CJK_COLLECTIONS:
        if collection.is_file() and _loads_as(collection, index, family):
            return FontChoice(
                family=family, path=collection, fonts_dir=_isolated_dir_for(collection), face_index=index
            )
    return None


@cache
def _installed(family: str) -> FontChoice | None:
    return _wheel_choice(family) or _cjk_choice(family)


def _available(families: tuple[str, ...]) -> list[str]:
    return [family for family in families if _installed(family) is not None]


def fonts_by_language() -> dict[str, list[str]]:
    """Installed, usable families per language code (plus "default"), default family first."""
    table = {row.code: _available(row.fonts) for row in LANGUAGES}
    return {**table, "default": _available(LATIN_FONTS)}


def _families_for(language: str) -> list[str]:
    """Installed families for a language tag (regional variants and ``en-US`` style tags included);
    unknown tags and "auto" get the Latin default."""
    return _available(font_families(language))


def _normalise(key: str) -> str:
    return "".join(ch for ch in key.lower() if ch.isalnum())


# Samsar's published keys for the same Noto faces (its /supported_fonts lists "Noto Sans JP").
_ALIASES = {
    "notosansjp": "notosanscjkjp",
    "notosanskr": "notosanscjkkr",
    "notosanssc": "notosanscjksc",
    "notosanstc": "notosanscjktc",
}


def _match(font_key: str, language: str) -> str | None:
    wanted = _normalise(font_key)
    wanted = _ALIASES.get(wanted, wanted)
    return next((f for f in _families_for(language) if _normalise(f) == wanted), None)


def is_font_supported(font_key: str, language: str) -> bool:
    """Whether ``font_key`` (family name; case, spaces and dashes ignored) can render ``language``."""
    return _match(font_key, language) is not None


def resolve_font(font_key: str | None, language: str) -> FontChoice:
    """The font for a subtitle/card: ``font_key`` if supported for ``language``, else raise.

    ``None`` (or empty) selects the language's default; unknown languages and "auto" use "default".
    """
    if font_key:
        family = _match(font_key, language)
        if family is None:
            raise UnsupportedFont(
                f"font_key {font_key!r} is not supported for language {language!r}; "
                f"choose one of {_families_for(language)}"
            )
    else:
        families = _families_for(language)
        if not families:
            raise UnsupportedFont(f"no installed font can render language {language!r}")
        family = families[0]
    choice = _installed(family)
    assert choice is not None  # _families_for only lists installed families
    return choice

"""Languages, scripts, fonts and typography: the one home of what the project knows about text.

- :mod:`~reelforge.text.languages` — the language table (the only list of supported languages).
- :mod:`~reelforge.text.scripts` — Unicode script detection (``regex`` ``\\p{Script}``).
- :mod:`~reelforge.text.linebreak` — line breaking that never cuts a word or grapheme cluster.
- :mod:`~reelforge.text.bidi` — right-to-left ordering (``python-bidi``).
- :mod:`~reelforge.text.fonts` — which installed fonts draw each language.
- :mod:`~reelforge.text.typography` — measuring, fitting and drawing text with Pillow.
"""

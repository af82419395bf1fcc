"""Constrained decoding for the offline model: llama.cpp's GBNF grammars, driven through libllama's C
API (``ik-llama-cpp-python`` 0.1.5 wraps none of it: no ``grammar=``, no ``LlamaGrammar``, no
``response_format``), and a small JSON-schema -> GBNF converter for tool arguments.

A grammar masks every token that cannot continue a valid output (and the end of the reply until
the output is complete), so what the model writes under one always parses: one of a fixed set of
labels, or a JSON object of the schema's shape. It guarantees the form, not the judgement.
"""

from __future__ import annotations

import ctypes
import json
from typing import Any

import numpy as np

from reelforge.providers.openai_compat import ProviderError

_TOKEN_DATA = np.dtype([("id", "<i4"), ("logit", "<f4"), ("p", "<f4")])  # llama_token_data


def _bind(api: Any) -> Any:
    lib = api._lib
    if getattr(lib, "_reelforge_grammar_bound", False):
        return lib
    lib.llama_model_get_vocab.argtypes = [ctypes.c_void_p]
    lib.llama_model_get_vocab.restype = ctypes.c_void_p
    lib.llama_sampler_init_grammar.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_char_p]
    lib.llama_sampler_init_grammar.restype = ctypes.c_void_p
    lib.llama_sample_grammar.argtypes = [ctypes.c_void_p, ctypes.POINTER(api.llama_token_data_array), ctypes.c_void_p]
    lib.llama_sample_grammar.restype = None
    lib.llama_grammar_accept_token.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int32]
    lib.llama_grammar_accept_token.restype = None
    lib.llama_grammar_free.argtypes = [ctypes.c_void_p]
    lib.llama_grammar_free.restype = None
    lib._reelforge_grammar_bound = True
    return lib


class Grammar:
    """One parse of a GBNF grammar over the model's vocabulary, for one generation."""

    def __init__(self, api: Any, model: Any, context: Any, gbnf: str) -> None:
        self.api, self.lib, self.context = api, _bind(api), context
        vocab = self.lib.llama_model_get_vocab(model)
        self.handle = self.lib.llama_sampler_init_grammar(vocab, gbnf.encode(), b"root")
        if not self.handle:
            raise ProviderError("llama.cpp could not parse the grammar")

    def mask(self, logits: np.ndarray) -> np.ndarray:
        """``logits`` with every token the grammar forbids at this point set to -inf."""
        data = np.zeros(len(logits), dtype=_TOKEN_DATA)
        data["id"] = np.arange(len(logits))
        data["logit"] = logits
        array = self.api.llama_token_data_array(
            data.ctypes.data_as(ctypes.POINTER(self.api.llama_token_data)), len(logits), -1, False
        )
        self.lib.llama_sample_grammar(self.context.ctx, ctypes.byref(array), self.handle)
        return data["logit"].astype(np.float64)

    def accept(self, token: int) -> None:
        self.lib.llama_grammar_accept_token(self.handle, self.context.ctx, token)

    def close(self) -> None:
        if self.handle:
            self.lib.llama_grammar_free(self.handle)
            self.handle = None


# -- GBNF builders ---------------------------------------------------------------------------------


def literal(text: str) -> str:
    """A GBNF string literal matching ``text`` exactly."""
    return json.dumps(text)  # JSON's escapes (\" \\ \n \uXXXX) are GBNF's


def choice(options: list[str]) -> str:
    """A grammar whose only outputs are the ``options``."""
    return "root ::= " + " | ".join(literal(o) for o in options)


_COMMON = r"""
ws ::= [ ]?
string ::= "\"" ( [^"\\\x00-\x1f] | "\\" ["\\/bfnrt] )* "\""
integer ::= "-"? [0-9]{1,15}
number ::= "-"? [0-9]{1,15} ("." [0-9]{1,10})?
boolean ::= "true" | "false"
"""


class _Rules:
    def __init__(self) -> None:
        self.rules: dict[str, str] = {}

    def add(self, name: str, body: str) -> str:
        self.rules[name] = body
        return name

    def value(self, schema: dict[str, Any], name: str) -> str:
        """The rule name for a value of ``schema`` (the subset tool schemas use: object, array,
        string, integer, number, boolean, enum, const)."""
        if "const" in schema:
            return self.add(name, literal(json.dumps(schema["const"])))
        if "enum" in schema:
            if not schema["enum"]:
                raise ProviderError(f"{name}: an empty enum has no value")
            return self.add(name, " | ".join(literal(json.dumps(v)) for v in schema["enum"]))
        kind = schema.get("type", "string")
        if isinstance(kind, list):  # ["string", "null"] and the like: the first concrete type
            kind = next((k for k in kind if k != "null"), "string")
        if kind == "object":
            return self.object(schema, name)
        if kind == "array":
            return self.add(name, self.array(schema, name))
        if kind in ("string", "integer", "number", "boolean"):
            return kind
        raise ProviderError(f"{name}: JSON-schema type {kind!r} is not supported offline")

    def array(self, schema: dict[str, Any], name: str) -> str:
        low = max(int(schema.get("minItems", 0)), 0)
        high = int(schema["maxItems"]) if schema.get("maxItems") is not None else None
        if high is not None and high < low:
            raise ProviderError(f"{name}: minItems {low} is above maxItems {high}")
        if high == 0:
            return '"[]"'
        item = self.value(schema.get("items") or {"type": "string"}, f"{name}-item")
        more = max(low - 1, 0)  # items after the first
        repeat = f"{{{more},{high - 1}}}" if high is not None else (f"{{{more},}}" if more else "*")
        items = f'{item} ("," ws {item}){repeat}'
        return f'"[" {items} "]"' if low >= 1 else f'"[" ({items})? "]"'

    def object(self, schema: dict[str, Any], name: str) -> str:
        properties: dict[str, Any] = schema.get("properties") or {}
        required = [k for k in properties if k in set(schema.get("required") or [])]
        # Required properties, in the schema's order; optional ones are left out (the offline model
        # fills what the call needs, the kind's defaults do the rest).
        parts = [
            f"{literal(json.dumps(key) + ':')} ws {self.value(properties[key], f'{name}-{_rule_name(key)}')}"
            for key in required
        ]
        inner = ' "," ws '.join(parts)
        return self.add(name, f"\"{{\" ws {inner} ws \"}}\"" if parts else '"{}"')


def _rule_name(key: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in key).strip("-").lower() or "p"


def json_schema(schema: dict[str, Any]) -> str:
    """A grammar for one JSON value of ``schema``."""
    rules = _Rules()
    root = rules.value(schema, "value")
    lines = [f"root ::= {root}"] + [f"{k} ::= {v}" for k, v in rules.rules.items()]
    return "\n".join(lines) + _COMMON


__all__ = ["Grammar", "choice", "json_schema", "literal"]

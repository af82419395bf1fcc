"""Stage narrative_generation: scripts written by the language model, one short line per call.

The offline model (SmolLM2-135M) does not write reliable JSON, so nothing here asks it for
structure: each call asks for one sentence (a scene's narration, a choice's title) with a short
prompt and few tokens, the reply is cleaned to that sentence, and the code assembles the scenes,
the tree and its branch points. Every text in the result was generated; a reply with nothing
usable is asked again once, then the request fails (refunded) rather than carrying a stand-in.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from reelforge.providers.llm import Message, Usage, complete_text
from reelforge.stages.context import StageEnv

SCENE_SECONDS = 6.0  # a narrated scene of a short video: about one sentence of speech
_LINE_TOKENS = 48
_TITLE_TOKENS = 16
_MAX_LINE_WORDS = 24
_MAX_TITLE_WORDS = 6
_LEADS = re.compile(r"^(?:scene\s*\d+\s*[:.-]|narration\s*:|title\s*:|option\s*\d*\s*:|\d+[.)]|[-*•])\s*", re.I)


class NarrativeError(ValueError):
    """The model gave no usable line twice in a row."""


def scene_count(duration_s: float) -> int:
    return max(2, min(40, round(duration_s / SCENE_SECONDS)))


def clean_line(text: str, max_words: int) -> str:
    """The first sentence-like line of a reply, without list markers, labels or quotes."""
    for raw in text.splitlines():
        line = _LEADS.sub("", raw.strip()).strip().strip("\"'“”`*").strip()
        if len(re.findall(r"[^\W\d_]{2,}", line)) < 2:  # a label, a number, a stray word: not a sentence
            continue
        sentence = re.match(r"(.+?[.!?])(\s|$)", line)
        line = sentence.group(1) if sentence and len(sentence.group(1).split()) >= 3 else line
        words = line.split()
        return " ".join(words[:max_words])
    return ""


@dataclass
class Writer:
    """Asks the model one line at a time and adds up what it used and who answered."""

    env: StageEnv
    temperature: float = 0.8
    input_tokens: int = 0
    output_tokens: int = 0
    providers: set[str] = field(default_factory=set)
    models: set[str] = field(default_factory=set)
    calls: int = 0

    def line(self, system: str, user: str, max_words: int = _MAX_LINE_WORDS, max_tokens: int = _LINE_TOKENS) -> str:
        messages: list[Message] = [{"role": "system", "content": system}, {"role": "user", "content": user}]
        for _ in range(2):
            c = complete_text(self.env.rt.settings, messages, max_tokens, self.temperature)
            self.calls += 1
            self.input_tokens += c.usage.input_tokens
            self.output_tokens += c.usage.output_tokens
            self.providers.add(c.provider)
            self.models.add(c.model)
            line = clean_line(c.text, max_words)
            if line:
                return line
        raise NarrativeError(f"the language model gave no usable line for: {user[:80]!r}")

    @property
    def usage(self) -> Usage:
        return Usage(self.input_tokens, self.output_tokens)

    def provenance(self) -> dict[str, Any]:
        return {
            "provider": ", ".join(sorted(self.providers)),
            "model": ", ".join(sorted(self.models)),
            "calls": self.calls,
            "method": "one generated sentence per call, assembled into scenes and branches in code",
        }


_NARRATOR = (
    "You write narration for a short video. Answer with exactly one vivid sentence of narration, "
    "in English, with no labels, lists or quotes."
)


def _story_so_far(lines: Sequence[str]) -> str:
    return " ".join(lines[-2:])


def scene_lines(writer: Writer, prompt: str, count: int, before: Sequence[str] = (), steer: str = "") -> list[str]:
    """``count`` narration sentences continuing ``before`` (a story about ``prompt``)."""
    lines = list(before)
    new: list[str] = []
    for i in range(count):
        position = "opening" if not lines else ("closing" if i == count - 1 and not steer else "next")
        user = f"Video topic: {prompt}\n"
        if lines:
            user += f"Story so far: {_story_so_far(lines)}\n"
        if steer and i == 0:
            user += f"The story now takes this turn: {steer}\n"
        user += f"Write the {position} sentence."
        line = writer.line(_NARRATOR, user)
        lines.append(line)
        new.append(line)
    return new


def scene(index: int, narration: str, prompt: str) -> dict[str, Any]:
    return {
        "sceneIndex": index,
        "narration": narration,
        "speech": narration,
        "imagePrompt": f"{narration} ({prompt})",
        "duration": SCENE_SECONDS,
    }


def theme(prompt: str, duration: float, n_scenes: int) -> dict[str, Any]:
    return {"prompt": prompt, "duration": duration, "sceneCount": n_scenes, "sceneSeconds": SCENE_SECONDS}


def single_narrative(writer: Writer, prompt: str, duration: float) -> dict[str, Any]:
    """``movieResourceList`` of a singular narrative: its scenes (and sounds: none are generated)."""
    lines = scene_lines(writer, prompt, scene_count(duration))
    return {"scenes": [scene(i, line, prompt) for i, line in enumerate(lines)], "sounds": []}


# -- branching -------------------------------------------------------------------------------------

_CHOOSER = (
    "You suggest what a viewer of an interactive video can choose next. Answer with a short title "
    "of two to five words, with no quotes or punctuation at the end."
)


def _choice_titles(writer: Writer, prompt: str, lines: Sequence[str]) -> tuple[str, str]:
    base = f"Video topic: {prompt}\nStory so far: {_story_so_far(lines)}\n"
    first = writer.line(_CHOOSER, base + "Title one way the story could go next.", _MAX_TITLE_WORDS, _TITLE_TOKENS)
    second = writer.line(
        _CHOOSER,
        base + f"Title a different, opposite way the story could go next (not {first!r}).",
        _MAX_TITLE_WORDS,
        _TITLE_TOKENS,
    )
    return first.rstrip(".!?"), second.rstrip(".!?")


@dataclass
class _Node:
    node_id: str
    parent: _Node | None
    level: int
    child_index: int | None
    lines: list[str]  # every scene of this path, from the start of the story
    divergence: dict[str, Any] | None = None
    children: list[_Node] = field(default_factory=list)


def branch_scene_indices(root_scenes: int, num_levels: int) -> list[int]:
    """Where each level diverges: level 1 in the middle of the root story (the choice rewrites the
    rest), every later level at the last scene of its parent's path (the choice adds one scene)."""
    first = max(0, (root_scenes - 1) // 2)
    children_scenes = first + 1 + max(1, root_scenes - first - 1)
    return [first, *(children_scenes - 1 + k for k in range(num_levels - 1))]


def branching_narrative(
    writer: Writer,
    prompt: str,
    root: dict[str, Any],
    num_levels: int,
    progress: Callable[[float], None] | None = None,
) -> dict[str, Any]:
    """A binary tree of ``num_levels`` levels under the singular narrative ``root``; each branch
    point's two choices are titled and continued by the model."""
    root_lines = [str(s["narration"]) for s in root["scenes"]]
    indices = branch_scene_indices(len(root_lines), num_levels)
    first_rewrite = max(1, len(root_lines) - indices[0] - 1)
    top = _Node("root", None, 0, None, root_lines)
    frontier, nodes, branch_points = [top], [top], []
    total_children, done = (2 << num_levels) - 2, 0
    for level in range(1, num_levels + 1):
        at = indices[level - 1]
        next_frontier = []
        for parent in frontier:
            kept = parent.lines[: at + 1]
            titles = _choice_titles(writer, prompt, kept)
            paths = []
            for child_index, title in enumerate(titles):
                count = first_rewrite if level == 1 else 1
                new = scene_lines(writer, prompt, count, kept, steer=title)
                child = _Node(
                    f"{parent.node_id}.{child_index + 1}",
                    parent,
                    level,
                    child_index,
                    kept + new,
                    {"divergenceSceneIndex": at, "path_name": title, "path_description": new[0]},
                )
                parent.children.append(child)
                paths.append({"childNodeId": child.node_id, "path_name": title, "path_description": new[0]})
                next_frontier.append(child)
                done += 1
                if progress:
                    progress(done / total_children)
            branch_points.append(
                {
                    "branchPointId": f"bp.{parent.node_id}",
                    "parentNodeId": parent.node_id,
                    "level": level,
                    "divergenceSceneIndex": at,
                    "status": "COMPLETED",
                    "divergencePaths": paths,
                }
            )
        nodes.extend(next_frontier)
        frontier = next_frontier
    return {
        "structureType": "branched",
        "schemaVersion": 1,
        "rootNodeId": "root",
        "numLevels": num_levels,
        "branchingFactor": 2,
        "branchSceneIndices": indices,
        "nodes": [_node_body(node, prompt) for node in nodes],
        "branchPoints": branch_points,
    }


def _node_body(node: _Node, prompt: str) -> dict[str, Any]:
    return {
        "nodeId": node.node_id,
        "parentNodeId": node.parent.node_id if node.parent else None,
        "childNodeIds": [c.node_id for c in node.children],
        "level": node.level,
        "childIndex": node.child_index,
        "branchOrdinal": None if node.child_index is None else node.child_index + 1,
        "divergence": node.divergence,
        "scenes": [scene(i, line, prompt) for i, line in enumerate(node.lines)],
        "sounds": [],
    }


def branching_meta(tree: dict[str, Any]) -> dict[str, Any]:
    nodes = tree["nodes"]
    return {
        "schemaVersion": 1,
        "numLevels": tree["numLevels"],
        "branchingFactor": 2,
        "rootNodeId": "root",
        "branchSceneIndices": tree["branchSceneIndices"],
        "branchPoints": tree["branchPoints"],
        "leafNodeIds": [n["nodeId"] for n in nodes if not n["childNodeIds"]],
        "nodeCount": len(nodes),
    }

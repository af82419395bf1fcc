"""Script writers: template realisation per language, facts round trip, chat-model writer."""

from __future__ import annotations

import re
from typing import Any

import pytest

from reelforge.providers.openai_compat import MAX_RETRIES, OpenAICompatClient, ProviderError
from reelforge.providers.script import (
    ChatScriptWriter,
    Script,
    ScriptFormatError,
    ScriptRequest,
    TemplateScriptWriter,
    estimate_speech_seconds,
    extract_facts,
    load_templates,
    realise,
    write_cta_texts,
    write_footer_texts,
)
from reelforge.text.languages import SUPPORTED_LANGUAGES as LANGUAGES
from reelforge.text.languages import detect_language
from support.fake_openai import FakeOpenAIServer

THAI = re.compile(r"[\u0E00-\u0E7F]")
KANA = re.compile(r"[\u3040-\u30FF]")

SHIRT_METADATA: dict[str, Any] = {
    "product": "linen travel shirt",
    "brand": "Nomad Co",
    "features": ["breathable linen", "wrinkle-resistant weave"],
    "price": "$49",
}


def shirt_request(language: str, n_scenes: int = 5, duration_s: float = 25.0, **extra: Any) -> ScriptRequest:
    return ScriptRequest(
        prompt="Make this feel like a fast-paced teaser",
        metadata=SHIRT_METADATA,
        image_titles=["Front view", None, "Packed in a carry-on", None, None],
        n_scenes=n_scenes,
        language=language,
        duration_s=duration_s,
        cta_url="https://www.example.com/shop/linen",
        want_cta_texts=True,
        **extra,
    )


def narration(script: Script) -> str:
    return " ".join(scene.narration for scene in script.scenes)


@pytest.mark.parametrize("language", ["en", "es", "ja", "th"])
def test_template_script_has_one_narration_per_scene_in_the_language(language: str) -> None:
    script = TemplateScriptWriter().write(shirt_request(language))

    assert script.language == language
    assert len(script.scenes) == 5
    assert all(scene.narration.strip() and scene.title.strip() for scene in script.scenes)
    text = narration(script)
    if language == "th":
        assert all(THAI.search(scene.narration) for scene in script.scenes)
    elif language == "ja":
        assert all(KANA.search(scene.narration) for scene in script.scenes)
    else:
        assert detect_language(text) == language
    # the metadata is what the script talks about
    assert "Linen Travel Shirt" in script.scenes[0].narration
    assert "breathable linen" in text
    assert script.scenes[-1].facts["role"] == "cta"
    assert script.cta_text_top and "Linen Travel Shirt" in script.cta_text_top
    assert script.cta_text_bottom == "example.com"


def test_template_script_is_deterministic() -> None:
    first = TemplateScriptWriter().write(shirt_request("en"))
    second = TemplateScriptWriter().write(shirt_request("en"))
    assert first.model_dump() == second.model_dump()


def test_image_titles_are_narrated_in_their_scene() -> None:
    script = TemplateScriptWriter().write(shirt_request("en"))
    assert script.scenes[2].title == "Packed in a carry-on"
    assert "packed in a carry-on" in script.scenes[2].narration


@pytest.mark.parametrize("language", LANGUAGES)
def test_narration_fits_the_scene_duration(language: str) -> None:
    script = TemplateScriptWriter().write(shirt_request(language, n_scenes=4, duration_s=20.0))
    for scene in script.scenes:
        assert estimate_speech_seconds(scene.narration, language) <= 20.0 / 4


def test_longer_scenes_get_longer_narration() -> None:
    short = TemplateScriptWriter().write(shirt_request("en", n_scenes=4, duration_s=10.0))
    long = TemplateScriptWriter().write(shirt_request("en", n_scenes=4, duration_s=40.0))
    assert len(narration(long).split()) > len(narration(short).split())


def test_realise_re_writes_the_same_facts_in_another_language() -> None:
    english = TemplateScriptWriter().write(shirt_request("en"))

    thai = realise(english.structured, "th")
    spanish = realise(english.structured, "es")

    assert thai.language == "th" and all(THAI.search(s.narration) for s in thai.scenes)
    assert detect_language(narration(spanish)) == "es"
    assert [s.facts["role"] for s in thai.scenes] == [s.facts["role"] for s in english.scenes]
    assert "Linen Travel Shirt" in thai.scenes[0].narration  # names are kept verbatim
    assert realise(english.structured, "th").model_dump() == thai.model_dump()
    # realise() of the structured facts in the original language gives the original script
    assert realise(english.structured, "en").scenes == english.scenes


def test_every_language_has_complete_templates() -> None:
    templates = load_templates()
    assert set(templates) == set(LANGUAGES)
    reference = set(templates["en"])
    for language, pack in templates.items():
        assert set(pack) == reference, language
        assert set(pack["intents"]) == set(templates["en"]["intents"]), language
        for role in ("hook_product", "hook_topic", "feature"):
            assert len(pack[role]) >= 3, (language, role)


def test_prompt_only_script_for_text_to_video() -> None:
    req = ScriptRequest(prompt="A timelapse of clouds over a futuristic city at sunrise", n_scenes=5,
                        duration_s=25, language="en")
    script = TemplateScriptWriter().write(req)
    titles = [scene.title for scene in script.scenes]
    assert "futuristic city at sunrise" in script.scenes[0].narration
    assert len(set(titles)) == len(titles)  # every scene gets its own title (and illustration)
    assert any("city" in title.lower() for title in titles[1:])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("เสื้อเชิ้ตผ้าลินินสำหรับการเดินทาง", "th"),
        ("旅行用のリネンシャツ", "ja"),
        ("旅行亚麻衬衫", "zh"),
        ("여행용 린넨 셔츠", "ko"),
        ("قميص كتان للسفر", "ar"),
        ("यात्रा के लिए लिनन शर्ट", "hi"),
        ("Льняная рубашка для путешествий", "ru"),
        ("Una camisa de lino para viajar con estilo", "es"),
        ("A linen shirt for travel", "en"),
        ("", "en"),
    ],
)
def test_detect_language(text: str, expected: str) -> None:
    assert detect_language(text) == expected


def test_auto_language_comes_from_prompt_and_metadata() -> None:
    req = ScriptRequest(metadata={"product": "เสื้อเชิ้ตลินิน"}, n_scenes=3, duration_s=15, language="auto")
    script = TemplateScriptWriter().write(req)
    assert script.language == "th"
    assert all(THAI.search(scene.narration) for scene in script.scenes)


def test_unknown_language_is_refused() -> None:
    with pytest.raises(ValueError, match="unsupported language"):
        TemplateScriptWriter().write(shirt_request("xx"))


def test_express_cta_texts() -> None:
    assert write_cta_texts("https://example.com/shop", {"product": "linen travel shirt"}, "en") == (
        "Scan to shop Linen Travel Shirt",
        "example.com",
    )
    top, bottom = write_cta_texts("https://www.example.com/book", {"brand": "Guidestination"}, "es")
    assert top == "Escanea para reservar Guidestination" and bottom == "example.com"
    top, _ = write_cta_texts("https://example.com/app/download", {}, "en")
    assert top == "Scan to download"
    footers = write_footer_texts("https://example.com/book", {"brand": "Guidestination"}, "en", 3)
    assert footers == ["Scan to book", "Book now", "Scan to book"]


def test_facts_are_language_neutral_json() -> None:
    facts = extract_facts(shirt_request("ja"), "ja")
    assert facts["subject"] == "Linen Travel Shirt"
    assert facts["brand"] == "Nomad Co"
    assert facts["price"] == "$49"
    assert facts["cta_intent"] == "shop"
    # Every middle scene says a fact (no stock "proof" line): the third metadata feature fills it.
    assert [scene["role"] for scene in facts["scenes"]] == ["hook", "feature", "feature", "feature", "cta"]


# -- chat writer ------------------------------------------------------------------------------


def chat_scenes(n: int, prefix: str = "Scene") -> dict[str, Any]:
    return {
        "scenes": [{"title": f"{prefix} {i}", "narration": f"{prefix} {i} narration text."} for i in range(n)],
        "cta_text_top": "Scan to shop",
        "cta_text_bottom": "example.com",
    }


def test_chat_script_writer_uses_the_model_reply() -> None:
    with FakeOpenAIServer(api_key="sk-test", chat_reply=lambda messages, body: chat_scenes(5)) as srv:
        writer = ChatScriptWriter(OpenAICompatClient(srv.base_url, "sk-test"), model="gpt-test")
        script = writer.write(shirt_request("en"))
        request = srv.requests[-1]

    assert [scene.narration for scene in script.scenes] == [f"Scene {i} narration text." for i in range(5)]
    assert [scene.title for scene in script.scenes] == [f"Scene {i}" for i in range(5)]
    assert script.cta_text_top == "Scan to shop" and script.cta_text_bottom == "example.com"
    assert script.structured["source"] == "chat"
    assert request.body["model"] == "gpt-test"
    assert request.body["response_format"] == {"type": "json_object"}
    assert "linen travel shirt" in request.body["messages"][-1]["content"]


def test_chat_script_writer_rejects_a_reply_without_scenes() -> None:
    with FakeOpenAIServer() as srv:  # the default reply is an echo object, not a script
        writer = ChatScriptWriter(OpenAICompatClient(srv.base_url, None), model="m")
        with pytest.raises(ScriptFormatError, match="scenes"):
            writer.write(shirt_request("en"))


def test_chat_script_writer_rejects_too_few_scenes_and_wrong_language() -> None:
    with FakeOpenAIServer(chat_reply=lambda messages, body: chat_scenes(2)) as srv:
        writer = ChatScriptWriter(OpenAICompatClient(srv.base_url, None), model="m")
        with pytest.raises(ScriptFormatError, match="2 scenes, 5 were requested"):
            writer.write(shirt_request("en"))
    with FakeOpenAIServer(chat_reply=lambda messages, body: chat_scenes(5)) as srv:
        writer = ChatScriptWriter(OpenAICompatClient(srv.base_url, None), model="m")
        with pytest.raises(ScriptFormatError, match="not written in Thai"):
            writer.write(shirt_request("th"))


def test_chat_script_writer_falls_back_when_the_model_fails() -> None:
    with FakeOpenAIServer(chat_reply=lambda messages, body: "not json at all") as srv:
        writer = ChatScriptWriter(OpenAICompatClient(srv.base_url, None), model="m",
                                  fallback=TemplateScriptWriter())
        script = writer.write(shirt_request("es"))
        srv.fail("/v1/chat/completions", status=503, times=MAX_RETRIES + 1)
        strict = ChatScriptWriter(OpenAICompatClient(srv.base_url, None), model="m")
        with pytest.raises(ProviderError, match="503"):
            strict.write(shirt_request("es"))
    assert script.model_dump() == TemplateScriptWriter().write(shirt_request("es")).model_dump()

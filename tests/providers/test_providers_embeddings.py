"""The offline embedding model keeps the vectors of texts it embedded lately: the same answers, once."""

from __future__ import annotations

import numpy as np

from reelforge.providers.embeddings import RememberedEmbeddings, offline_provider


def test_remembered_vectors_equal_the_models_and_keep_query_and_passage_apart() -> None:
    remembered = offline_provider("e5")
    assert isinstance(remembered, RememberedEmbeddings)
    model = remembered.model
    texts = ["Sunny loft in Austin", "ทะเลสาบใกล้บ้าน", "Sunny loft in Austin", "駅から徒歩5分"]
    for side in ("query", "passage"):
        assert np.allclose(remembered.embed(texts, side), model.embed(texts, side), atol=1e-5)
    # Seen texts and new ones in one call: the new ones alone reach the model, in order.
    mixed = ["駅から徒歩5分", "Lake view in Dallas", "Sunny loft in Austin"]
    assert np.allclose(remembered.embed(mixed, "query"), model.embed(mixed, "query"), atol=1e-5)
    query, passage = remembered.embed(["Sunny loft in Austin"], "query"), remembered.embed(["Sunny loft in Austin"])
    assert not np.allclose(query, passage)  # E5's prefixes differ by side: never answered from the other side
    assert remembered.embed([], "query").shape == (0, remembered.dim)


def test_a_kept_vector_is_a_copy_the_caller_may_change_and_old_ones_make_room() -> None:
    shared = offline_provider("e5")
    assert isinstance(shared, RememberedEmbeddings)
    remembered = RememberedEmbeddings(shared.model, kept=2)
    first = remembered.embed(["red kettle"])
    first[0, :] = 0
    assert np.linalg.norm(remembered.embed(["red kettle"])[0]) > 0.99
    remembered.embed(["blue mug", "green plate"])
    assert len(remembered._vectors) == 2 and ("passage", "red kettle") not in remembered._vectors
    assert np.allclose(remembered.embed(["red kettle"]), shared.model.embed(["red kettle"]), atol=1e-5)

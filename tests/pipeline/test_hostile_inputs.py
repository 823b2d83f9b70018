"""Hostile inputs that reach the pipeline outside the data readers."""

from __future__ import annotations

import time

import pytest

from hostile import yaml_alias_bomb, yaml_depth_bomb
from segprofile import pipeline
from segprofile.errors import InputError


@pytest.mark.parametrize("text", [yaml_alias_bomb(), yaml_depth_bomb(5000)])
def test_a_question_mapping_bomb_is_refused_at_once(text: str) -> None:
    started = time.monotonic()
    with pytest.raises(InputError) as caught:
        pipeline.read_question_mapping(text.encode(), name="map.yaml")
    assert time.monotonic() - started < 5
    assert "map.yaml" in str(caught.value)


def test_a_question_mapping_in_yaml_still_reads() -> None:
    text = "- question: q1\n  hypothesis: h1\n- question: q2\n  hypothesis: h2\n"
    questions = pipeline.read_question_mapping(text.encode(), name="map.yaml")
    assert [(q.question, q.hypothesis) for q in questions] == [("q1", "h1"), ("q2", "h2")]

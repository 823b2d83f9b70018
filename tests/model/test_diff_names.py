"""The revision log names the items a change refers to by their titles, never by their ids."""

from __future__ import annotations

import copy
import re
from typing import Any

from segprofile.examples import EXAMPLES
from segprofile.model.diff import describe_changes, name_items
from segprofile.model.spec_yaml import load_study


def _document() -> dict[str, Any]:
    return load_study(EXAMPLES["child-benefit"].study_path).model_dump(mode="json")


def _ids(doc: dict[str, Any]) -> set[str]:
    out = {h["id"] for h in doc["hypotheses"]} | {j["id"] for j in doc["journeys"]}
    out |= {r["id"] for r in doc["recommendations"]} | {r["id"] for r in doc["roles"]}
    out |= {f"{j['id']}.{s['id']}" for j in doc["journeys"] for s in j["steps"]}
    return out


def test_references_in_a_change_are_named_by_title() -> None:
    old = _document()
    new = copy.deepcopy(old)
    rec = new["recommendations"][0]
    problem = next(h for h in new["hypotheses"] if h["id"] not in rec["problems"])
    rec["problems"].append(problem["id"])
    target = next(j for j in new["journeys"] if j["id"] != rec.get("journey"))
    rec["journey"] = target["id"]
    hyp = new["hypotheses"][0]
    journey, step = new["journeys"][0], new["journeys"][0]["steps"][-1]
    hyp["journey_step"] = f"{journey['id']}.{step['id']}"
    hyp["segments"] = ["channel=office"]
    changes = describe_changes(old, new)
    text = "\n".join(changes)
    quoted = set(re.findall(r"«([^«»]+)»", text))
    assert not quoted & _ids(new), text
    assert problem["statement"][:30] in text
    assert f"«{target['title']}»" in text
    assert step["title"] in text
    assert "«channel=office»" not in text
    channel = next(f["label"] for f in new["features"] if f["id"] == "channel")
    assert any(f"«{channel}: " in c for c in changes if c.startswith("Заданы сегменты"))


def test_added_suggestion_and_comment_names_use_titles() -> None:
    doc = _document()
    rec = doc["recommendations"][0]
    assert name_items(doc, "recommendations", [rec["id"]]) == f"«{rec['title'][:80]}»"
    assert name_items(doc, "hypotheses", ["gone-6bc06952"]) == "«gone-6bc06952»"


def test_numbers_in_changes_read_the_russian_way() -> None:
    old = _document()
    new = copy.deepcopy(old)
    income = next(f for f in new["features"] if f["id"] == "processing_days")
    income["binning"] = {"method": "thresholds", "thresholds": [1500.0, 12500.5]}
    new["segmentation"]["satisfaction"]["csat_threshold"] = 0.45
    text = "\n".join(describe_changes(old, new))
    assert "1\u00a0500, 12\u00a0500,5" in text
    assert "0,45" in text

"""M-1 from a form (``pipeline.scope``): a new study, legal acts, the references to them."""

from __future__ import annotations

import pytest

from segprofile import pipeline
from segprofile.errors import DocumentError, InputError, NotFound
from segprofile.model.study import Study


def test_a_legal_act_cited_by_roles_is_kept_and_the_roles_are_named(small_study: Study) -> None:
    data = small_study.model_dump(mode="json")
    data["roles"].append({**data["roles"][0], "id": "agent", "title": "Представитель"})
    with pytest.raises(InputError) as caught:
        pipeline.remove_legal_act(data, "law")
    assert caught.value.message == (
        "НПА «Закон о пособии» не удалён: на него как на правовое основание ссылаются роли "
        "«Заявитель», «Представитель». Сначала уберите его из правового основания этих ролей "
        "(раздел «Роли»)."
    )
    assert [a["id"] for a in data["scope"]["legal_acts"]] == ["law"]
    with pytest.raises(NotFound):
        pipeline.change_legal_act(data, "gone", title="x")


def test_a_dangling_legal_basis_reads_as_a_sentence(small_study: Study) -> None:
    data = small_study.model_dump(mode="json")
    data["scope"]["legal_acts"] = []
    with pytest.raises(DocumentError) as caught:
        pipeline.study_from_data(data)
    path, _line, text = caught.value.problems[0]
    assert path == "roles[0].audience.legal_basis[0].act"
    assert text == (
        "НПА «law» (правовое основание роли «Заявитель») не найден в исследовании; "
        "известные: нет ни одного"
    )


def test_a_new_study_refuses_what_the_model_refuses() -> None:
    with pytest.raises(DocumentError) as caught:
        pipeline.new_study(kind="planet", title="Пособие", client_types=[])
    paths = {path for path, _line, _text in caught.value.problems}
    assert paths == {"scope.kind", "scope.client_types"}

"""The survey's preview on its mapping page hides, as the upload's check page does
(``datasets.rare_cells``, ``privacy.mask_preview``), an answer fewer than the study's
min_cell respondents gave: beside the only Chukotka respondent's region their other answers
are theirs. Counted in respondents where the answers have their ids (the Nenets region's six
rows are two people), else in rows."""

from __future__ import annotations

import json
from pathlib import Path

from segprofile import pipeline
from segprofile.data import privacy
from segprofile.data.surveys import SurveyFile, read_survey_version
from skewed_survey import FREQUENT_AGE, RARE_AGE, RARE_REGIONS, survey_csv


def _read(tmp_path: Path, ids: str | None, id_column: str | None = None) -> SurveyFile:
    path = tmp_path / "опрос.csv"
    path.write_bytes(survey_csv(ids=ids))
    study = pipeline.example_study("child-benefit")
    assert study.segmentation.min_cell == 5
    source = pipeline.survey_source(study)
    assert source is not None
    ws = pipeline.Workspace.in_folder(tmp_path / "ws")
    pipeline.import_dataset(ws, path, study, source.id, author="анна")
    return read_survey_version(ws.home, study, source, id_column=id_column)[0]


def test_answers_of_few_respondents_are_rare_in_the_preview(tmp_path: Path) -> None:
    info = _read(tmp_path, "ID респондента", id_column="ID респондента")
    text = json.dumps(info.preview, ensure_ascii=False)
    for rare in [*RARE_REGIONS, RARE_AGE]:
        assert rare not in text, rare
    regions = [row["Регион"] for row in info.preview]
    # 1 + 2×3 + 1 rows of the preview: Chukotka, Nenets (6 rows, 2 respondents), Tyva.
    assert regions == [privacy.RARE] * 8
    ages = [row["Возрастная группа"] for row in info.preview]
    assert ages[0] == privacy.RARE
    assert ages[1:7] == [FREQUENT_AGE] * 6  # a frequent age beside a rare region stays
    assert {row["Доволен"] for row in info.preview} <= {"да", "нет"}
    assert all(row["ID респондента"] == privacy.MASK for row in info.preview)


def test_respondents_are_counted_by_the_ids_the_upload_found(tmp_path: Path) -> None:
    """The answers carry each respondent's СНИЛС (pseudonymised by the import), not the
    clients' id they would be joined by: the pseudonyms still count people — the Nenets
    region's six rows are two respondents, rare."""
    info = _read(tmp_path, "СНИЛС")
    assert info.id_column is None
    assert info.pseudonymised == ["СНИЛС"]
    assert [row["Регион"] for row in info.preview] == [privacy.RARE] * 8
    assert [row["Возрастная группа"] for row in info.preview][1:7] == [FREQUENT_AGE] * 6
    assert all(row["СНИЛС"] == privacy.MASK for row in info.preview)


def test_without_respondent_ids_rows_are_counted(tmp_path: Path) -> None:
    """No id to count people by (none in the file): the Nenets region's six rows are six
    answers, shown; Chukotka's one and Tyva's four are not."""
    info = _read(tmp_path, None)
    regions = [row["Регион"] for row in info.preview]
    assert regions[0] == privacy.RARE
    assert regions[1:7] == ["Ненецкий автономный округ"] * 6
    assert regions[7] == privacy.RARE

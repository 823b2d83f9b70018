"""Problem uniqueness from complaint topics (M-6), for when research has not confirmed problems yet.

The priority's ``uniqueness`` part is the share of a segment's problems that other segments do
not have. Once research exists it is counted over confirmed problem hypotheses
(:func:`segprofile.analysis.priority.problem_uniqueness`); before that, complaints are the
evidence at hand. Each complaint is joined in the engine to its author's segments (by the
pseudonymised client id) and the complaints' topics are mined once (lemmas → TF-IDF → NMF,
:func:`segprofile.analysis.texts.mine_topics`). Then, for every feature separately:

- a topic is a **problem of a segment** when it is the main topic of at least
  :data:`PRESENCE_SHARE` of the segment's complaints and of at least :data:`PRESENCE_MIN`
  complaints;
- the problem is **unique** to the segment when no other segment of the same feature has it:
  every other segment has the topic in fewer than :data:`PRESENCE_MIN` complaints, or in less
  than :data:`PRESENCE_SHARE` of its complaints and less than half the share it has here;
- the segment's uniqueness is the share of its problems that are unique (segments with no
  problem get none).

The rule is stated in every reason it produces, so the team can check it against the texts.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

import ibis
import ibis.expr.types as ir

from segprofile.analysis.by_feature import MISSING_CODE, code_table
from segprofile.analysis.texts import label_topics, mine_topics
from segprofile.data.engine import execute
from segprofile.errors import InputError
from segprofile.model.format import number
from segprofile.model.results import TopicModel
from segprofile.model.study import DataSource, Feature, Study, TopicLabel

PRESENCE_SHARE = 0.10
PRESENCE_MIN = 3
RULE = (
    "тема жалоб считается проблемой сегмента, если она главная хотя бы в "
    f"{round(PRESENCE_SHARE * 100)}\u00a0% его жалоб (и не менее чем в {PRESENCE_MIN}); "
    "уникальной — если у других сегментов того же признака она встречается реже "
    f"{PRESENCE_MIN} раз или её доля у них меньше {round(PRESENCE_SHARE * 100)}\u00a0% и "
    "меньше половины доли в этом сегменте"
)
_SEP = "\x1f"
TEXT_COLUMN_NAMES = ("text", "текст", "complaint_text", "текст_жалобы")


@dataclass
class SegmentTopics:
    """One segment's complaint topics: its problems and those no sibling segment has."""

    complaints: int
    problems: list[int] = field(default_factory=list)
    unique: list[int] = field(default_factory=list)

    @property
    def uniqueness(self) -> float:
        return len(self.unique) / len(self.problems) if self.problems else 0.0


@dataclass
class ComplaintUniqueness:
    """Problem uniqueness per segment key, from complaint topics."""

    model: TopicModel
    segments: dict[str, SegmentTopics]
    matched: int
    total: int
    rule: str = RULE

    def scores(self) -> dict[str, float]:
        """Per segment key, the share of its complaint problems that are unique (0–1)."""
        return {key: seg.uniqueness for key, seg in self.segments.items() if seg.problems}

    def reason(self, key: str) -> str | None:
        """A Russian phrase for the priority reasons, or ``None`` when the segment has none."""
        seg = self.segments.get(key)
        if seg is None or not seg.problems:
            return None
        words = {t.index: "«" + (t.name or ", ".join(t.words[:3])) + "»" for t in self.model.topics}
        text = (
            f"по темам жалоб: {len(seg.unique)} из {len(seg.problems)} проблем есть только у "
            "этого сегмента"
        )
        if seg.unique:
            text += " — " + "; ".join(words[t] for t in seg.unique)
        return text


def complaint_text_column(source: DataSource, columns: list[str]) -> str | None:
    """The complaints' text column: the one marked ``use: text``, else a usual name."""
    marked = [name for name, o in source.columns.items() if o.use == "text" and name in columns]
    if marked:
        return marked[0]
    lowered = {c.lower(): c for c in columns}
    return next((lowered[n] for n in TEXT_COLUMN_NAMES if n in lowered), None)


def topic_uniqueness(
    documents: dict[str, dict[int, int]], totals: dict[str, int]
) -> dict[str, SegmentTopics]:
    """Apply the rule to one feature's segments.

    ``documents[key][topic]`` is the number of the segment's complaints whose main topic is
    ``topic``; ``totals[key]`` the segment's complaints with a topic.
    """
    problems = {
        key: sorted(
            t
            for t, n in per_topic.items()
            if n >= PRESENCE_MIN and n >= PRESENCE_SHARE * totals[key]
        )
        for key, per_topic in documents.items()
    }

    def share(key: str, topic: int) -> float:
        return documents[key].get(topic, 0) / totals[key] if totals[key] else 0.0

    def shared(key: str, topic: int) -> bool:
        return any(
            documents[other].get(topic, 0) >= PRESENCE_MIN
            and share(other, topic) >= min(PRESENCE_SHARE, share(key, topic) / 2)
            for other in documents
            if other != key
        )

    return {
        key: SegmentTopics(
            complaints=totals[key], problems=own, unique=[t for t in own if not shared(key, t)]
        )
        for key, own in problems.items()
    }


def complaint_uniqueness(
    study: Study,
    records: ir.Table,
    complaints: ir.Table,
    *,
    text_column: str,
    author_column: str,
    records_id: str,
    features: list[Feature],
    edges: dict[str, list[float]] | None = None,
    limit: int = 20_000,
    random_state: int = 42,
    labels: Sequence[TopicLabel] = (),
) -> ComplaintUniqueness:
    """Problem uniqueness of every one-feature segment from complaint topics.

    The join and the segment codes run in the engine; at most ``limit`` complaints (text and
    codes, no identifiers) come back to Python for topic mining. ``labels``: the team's names
    and merges of these topics (:func:`~segprofile.analysis.texts.label_topics`).
    """
    for column, what in ((text_column, "текста жалобы"), (author_column, "автора жалобы")):
        if column not in complaints.columns:
            raise InputError(
                f"В таблице жалоб нет столбца {what} «{column}».",
                hint="отметьте столбец текста (use: text) и столбец идентификатора клиента.",
            )
    coded = code_table(
        study, features, records, edges=edges, id_column=records_id, with_satisfaction=False
    )
    cols = [coded.columns[f.id] for f in features]
    per_client = coded.table.group_by("client").aggregate(
        **{c: coded.table[c].first() for c in cols}
    )
    joined = complaints.left_join(
        per_client, complaints[author_column].cast("string") == per_client.client.cast("string")
    )
    frame = execute(
        joined.select(
            text=joined[text_column].cast("string"),
            matched=joined.client.notnull(),
            **{c: joined[c] for c in cols},
        )
        .filter(ibis._.text.notnull())
        .limit(limit)
    )
    total = len(frame)
    frame = frame[frame["matched"].astype(bool)]
    if len(frame) < 4:
        raise InputError(
            f"Жалоб, которые удалось связать с заявлениями, {number(len(frame))} из "
            f"{number(total)}: для тем нужно хотя бы 4.",
            hint=(
                f"проверьте, что столбец «{author_column}» жалоб содержит те же "
                f"(псевдонимизированные) идентификаторы, что и «{records_id}» в данных о клиентах."
            ),
        )
    signatures = [
        _SEP.join(f"{f.id}={row[c]}" for f, c in zip(features, cols, strict=True))
        for row in frame[cols].to_dict("records")
    ]
    model = label_topics(
        mine_topics(
            [str(t) for t in frame["text"]], segments=signatures, random_state=random_state
        ),
        labels,
    )
    segments: dict[str, SegmentTopics] = {}
    for feature in features:
        documents: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
        totals: dict[str, int] = defaultdict(int)
        for share in model.by_segment:
            code = dict(part.split("=", 1) for part in share.segment.split(_SEP))[feature.id]
            if code in (MISSING_CODE, "None", "nan"):
                continue
            key = f"{feature.id}={code}"
            documents[key][share.topic] += share.documents
            totals[key] += share.documents
        segments |= topic_uniqueness(documents, totals)
    return ComplaintUniqueness(model=model, segments=segments, matched=len(frame), total=total)

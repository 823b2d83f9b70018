"""Interview notes, complaints and open answers (M-9): import, masking, quotes, topics.

- :func:`read_text` imports a TXT (UTF-8, UTF-16, Windows-1251, KOI8-R or CP866, detected) or
  DOCX file; :func:`import_note` also masks personal data and splits the text into quotes.
- :func:`mask_personal_data` replaces names (capitalised words that pymorphy3 tags as a first
  name, surname or patronymic, and initials), Russian phone numbers and e-mail addresses with
  ``[имя]``, ``[телефон]``, ``[e-mail]``, before anything is stored.
- :func:`tag_quotes` suggests hypotheses for quotes by lemma overlap (razdel tokens,
  pymorphy3 lemmas, stop words removed, rarer lemmas weigh more); a person confirms them, and
  :func:`quote_evidence` turns a confirmed one into :class:`~segprofile.model.study.Evidence`.
- :func:`mine_topics` finds the topics of complaints or open answers: lemmas → TF-IDF → NMF,
  the number of topics given or chosen (the one that separates the texts best), top lemmas per
  topic, masked example quotes, and topic shares per segment when segments are given.

Everything runs offline: pymorphy3's Russian dictionary ships in ``pymorphy3-dicts-ru``.
"""

from __future__ import annotations

import codecs
import io
import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import ibis.expr.types as ir
import numpy as np
import razdel  # type: ignore[import-untyped]
from sklearn.decomposition import NMF  # type: ignore[import-untyped]
from sklearn.feature_extraction.text import TfidfVectorizer  # type: ignore[import-untyped]
from sklearn.metrics import silhouette_score  # type: ignore[import-untyped]

from segprofile.analysis.by_feature import MISSING_CODE, TableLike, code_table, segment_label
from segprofile.data.engine import execute
from segprofile.errors import InputError
from segprofile.model.results import (
    InterviewNote,
    QuoteSuggestion,
    Topic,
    TopicModel,
    TopicSegmentShare,
)
from segprofile.model.study import Evidence, EvidenceKind, Hypothesis, HypothesisStatus, Study

__all__ = [
    "MaskedText",
    "confirm_quote",
    "decode_text",
    "import_note",
    "lemmas",
    "mask_personal_data",
    "mine_topics",
    "note_from_text",
    "quote_evidence",
    "read_text",
    "reject_quote",
    "split_quotes",
    "suggest_quote_evidence",
    "tag_quotes",
    "texts_with_segments",
    "topic_evidence",
]

NAME_MASK = "[имя]"
PHONE_MASK = "[телефон]"
EMAIL_MASK = "[e-mail]"

# --- Reading files ----------------------------------------------------------------------------

# The ten most frequent Russian letters: about 60 % of the letters of any Russian text. A text
# decoded with the wrong code page has far fewer of them.
_FREQUENT = frozenset("оеаинтсрвл")
_ENCODINGS = ("cp1251", "koi8_r", "cp866")
_MIN_FREQUENT_SHARE = 0.4


def _russian_score(text: str) -> float:
    letters = [c for c in text.lower() if c.isalpha()]
    cyrillic = [c for c in letters if "а" <= c <= "я" or c == "ё"]
    if not letters:
        return 0.0
    latin = sum(1 for c in letters if c.isascii())
    if len(cyrillic) < 0.5 * len(letters):
        # A mostly Latin text decodes the same way in every code page (ASCII).
        return 1.0 if latin == len(letters) else 0.0
    return sum(1 for c in cyrillic if c in _FREQUENT) / len(cyrillic)


def decode_text(raw: bytes, *, name: str = "файл") -> str:
    """Decode a text file: BOM, then UTF-8, then the Russian code page that reads best.

    Raises
    ------
    InputError
        The bytes are not text in any of UTF-8, UTF-16, Windows-1251, KOI8-R, CP866.
    """
    if raw.startswith(codecs.BOM_UTF8):
        return raw[len(codecs.BOM_UTF8) :].decode("utf-8", errors="replace")
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return raw.decode("utf-16", errors="replace")
    if b"\x00" not in raw:
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            pass
        best: tuple[float, str] | None = None
        for encoding in _ENCODINGS:
            try:
                text = raw.decode(encoding)
            except UnicodeDecodeError:
                continue
            score = _russian_score(text)
            if best is None or score > best[0]:
                best = (score, text)
        if best is not None and best[0] >= _MIN_FREQUENT_SHARE:
            return best[1]
    raise InputError(
        f"Не удалось определить кодировку файла {name}: это не текст в UTF-8, UTF-16, "
        "Windows-1251, KOI8-R или CP866.",
        hint="сохраните файл как «Текст в UTF-8» или в формате DOCX и загрузите снова.",
    )


def read_text(path: str | Path, *, data: bytes | None = None) -> str:
    """The text of a TXT or DOCX file (``data``: its bytes, e.g. an upload; else read ``path``).

    DOCX: paragraphs and table cells in document order, one per line.
    """
    file = Path(path)
    raw = data if data is not None else file.read_bytes()
    suffix = file.suffix.lower()
    if suffix in (".txt", ".text", ".md", ""):
        return decode_text(raw, name=file.name)
    if suffix == ".docx":
        return _docx_text(raw, file.name)
    raise InputError(
        f"Файл {file.name}: формат {suffix} не поддерживается для интервью.",
        hint="загрузите заметки в формате TXT или DOCX.",
    )


def _check_docx(raw: bytes, name: str) -> None:
    """Refuse a DOCX that would unpack too large before python-docx parses it (a 181 KB file
    can hold a gigabyte of XML): the zip directory's limits, and every XML part's size."""
    from segprofile.data.readers import (
        DOCUMENT_XML_ENV,
        max_document_xml_bytes,
        open_zip,
        sizes_text,
    )

    limit = max_document_xml_bytes()
    with open_zip(raw, name, what="Документ", fmt="DOCX") as archive:
        for info in archive.infolist():
            if info.filename.lower().endswith((".xml", ".rels")) and info.file_size > limit:
                size, allowed = sizes_text(info.file_size, limit)
                raise InputError(
                    f"Документ {name}: текст с разметкой после распаковки занимает {size} при "
                    f"пределе {allowed}.",
                    hint="разделите документ на части или сохраните его как простой текст (TXT); "
                    f"предел задаёт администратор ({DOCUMENT_XML_ENV}).",
                )


def _docx_text(raw: bytes, name: str) -> str:
    from docx import Document  # python-docx: only needed for DOCX uploads

    _check_docx(raw, name)
    try:
        document = Document(io.BytesIO(raw))
    except Exception as exc:  # noqa: BLE001 — any parse failure is a bad upload, said plainly
        raise InputError(
            f"Файл {name} не удалось прочитать как DOCX ({type(exc).__name__}).",
            hint="проверьте, что файл не повреждён, и пересохраните его в Word как .docx.",
        ) from None
    lines = [p.text for p in document.paragraphs if p.text.strip()]
    for table in document.tables:
        for row in table.rows:
            cells = [c.text.strip() for c in row.cells if c.text.strip()]
            if cells:
                lines.append(" | ".join(dict.fromkeys(cells)))
    return "\n".join(lines)


# --- Russian morphology -----------------------------------------------------------------------


@cache
def _morph() -> Any:
    import pymorphy3  # type: ignore[import-untyped]  # the dictionary loads once, ~0.2 s

    return pymorphy3.MorphAnalyzer()


_NAME_TAGS = frozenset({"Name", "Surn", "Patr"})
_STOP_POS = frozenset({"NPRO", "PREP", "CONJ", "PRCL", "INTJ", "NUMR", "PRED"})
_STOP_TEXT = """быть мочь весь это который свой такой этот тот очень также уже ещё только один
    наш ваш мой твой их его её они она оно он мы вы я ты себя сам самый каждый другой нет да так
    как где когда тоже просто вот там тут здесь потом затем лишь даже именно же ли бы не ни
    прошу просить здравствуйте спасибо пожалуйста еще ее"""
STOP_WORDS = frozenset(_STOP_TEXT.split())


@lru_cache(maxsize=200_000)
def _lemma(word: str) -> str | None:
    """The lemma of a lower-case word, or ``None`` for a stop word."""
    parse = _morph().parse(word)[0]
    if parse.tag.POS in _STOP_POS:
        return None
    lemma = str(parse.normal_form)
    if lemma in STOP_WORDS or len(lemma) < 2:
        return None
    return lemma


_WORD_RE = re.compile(r"^[A-Za-zА-Яа-яЁё][A-Za-zА-Яа-яЁё-]*$")


def lemmas(text: str) -> list[str]:
    """Content lemmas of a Russian text (razdel tokens, pymorphy3 normal forms, no stop words)."""
    out = []
    for token in razdel.tokenize(text):
        word = token.text
        if not _WORD_RE.match(word):
            continue
        lemma = _lemma(word.lower().replace("ё", "е"))
        if lemma is not None:
            out.append(lemma)
    return out


def split_quotes(text: str) -> list[str]:
    """Sentences of a text (razdel), stripped; empty ones dropped."""
    return [s.text.strip() for s in razdel.sentenize(text) if s.text.strip()]


# --- Masking personal data --------------------------------------------------------------------

_EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
_SEP = r"[\s\-–—.]*"
_PHONE_RE = re.compile(
    r"(?<![\d+])(?:\+7|8|7)"  # +7, 8 or 7, then ten digits in the usual groupings
    rf"{_SEP}\(?\d{{3}}\)?{_SEP}\d{{3}}{_SEP}\d{{2}}{_SEP}\d{{2}}(?!\d)"
    r"|(?<![\d+])\d{3}[\-–]\d{2}[\-–]\d{2}(?![\d\-–])"  # a local number: 123-45-67
)
_INITIALS_RE = re.compile(r"(?<![А-ЯЁа-яё])[А-ЯЁ]\.\s?(?:[А-ЯЁ]\.)?(?![А-ЯЁа-яё])")
_CAPITALISED_RE = re.compile(r"^[А-ЯЁ][а-яё]+(?:-[А-ЯЁ][а-яё]+)?$")


@dataclass(frozen=True)
class MaskedText:
    """A text with personal data replaced, and how many of each kind were masked."""

    text: str
    counts: dict[str, int]


def _name_score(word: str) -> float:
    """Probability mass of pymorphy3's parses that are a first name, surname or patronymic."""
    return float(sum(p.score for p in _morph().parse(word) if _NAME_TAGS & set(p.tag.grammemes)))


def _sentence_starts(text: str) -> set[int]:
    return {s.start for s in razdel.sentenize(text)}


def _mask_names(text: str) -> tuple[str, int]:
    starts = _sentence_starts(text)
    tokens = list(razdel.tokenize(text))
    is_name = [False] * len(tokens)
    scores = [0.0] * len(tokens)
    for i, tok in enumerate(tokens):
        if _CAPITALISED_RE.match(tok.text):
            scores[i] = _name_score(tok.text)
    for i, tok in enumerate(tokens):
        score = scores[i]
        if score <= 0:
            continue
        neighbour = (i > 0 and scores[i - 1] >= 0.3) or (
            i + 1 < len(tokens) and scores[i + 1] >= 0.3
        )
        initials_next = i + 1 < len(tokens) and bool(_INITIALS_RE.match(text, tokens[i + 1].start))
        # A capitalised word inside a sentence is a name when the dictionary leans that way;
        # at the start of a sentence (capitalised anyway) only when it is surely a name or
        # stands next to another name or initials.
        threshold = 0.9 if tok.start in starts else 0.3
        if score >= threshold or (score >= 0.2 and (neighbour or initials_next)):
            is_name[i] = True
    spans = [(t.start, t.stop) for t, flag in zip(tokens, is_name, strict=True) if flag]
    for match in _INITIALS_RE.finditer(text):
        near = any(abs(match.start() - b) <= 2 or abs(match.end() - a) <= 2 for a, b in spans)
        if near:
            spans.append((match.start(), match.end()))
    if not spans:
        return text, 0
    spans.sort()
    merged: list[list[int]] = []
    for a, b in spans:
        if merged and not text[merged[-1][1] : a].strip():
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    out, last = [], 0
    for a, b in merged:
        out.append(text[last:a])
        out.append(NAME_MASK)
        last = b
    out.append(text[last:])
    return "".join(out), len(merged)


def mask_personal_data(text: str) -> MaskedText:
    """Replace e-mails, Russian phone numbers and personal names with placeholders.

    Names: capitalised words that pymorphy3 tags as a first name, surname or patronymic
    (inside a sentence when that reading is likely, at a sentence start only when it is
    nearly certain or next to another name), and initials next to them. Phones: ``+7`` / ``8``
    followed by ten digits in the usual groupings, and local ``123-45-67``.

    Returns
    -------
    MaskedText
        The masked text and counts ``{"emails", "phones", "names"}``.
    """
    text, emails = _EMAIL_RE.subn(EMAIL_MASK, text)
    text, phones = _PHONE_RE.subn(PHONE_MASK, text)
    text, names = _mask_names(text)
    return MaskedText(text=text, counts={"emails": emails, "phones": phones, "names": names})


def note_from_text(text: str, *, source: str) -> InterviewNote:
    """An interview note from its text: masked first, then split into quotes."""
    masked = mask_personal_data(text)
    return InterviewNote(
        source=source,
        text=masked.text,
        quotes=split_quotes(masked.text),
        masked=masked.counts,
    )


def import_note(path: str | Path, *, data: bytes | None = None) -> InterviewNote:
    """Import an interview note or transcript (TXT or DOCX) with personal data masked."""
    return note_from_text(read_text(path, data=data), source=Path(path).name)


# --- Quotes → hypotheses ----------------------------------------------------------------------


def tag_quotes(
    quotes: Sequence[str],
    hypotheses: Sequence[Hypothesis],
    *,
    min_score: float = 0.15,
    min_shared: int = 1,
    per_quote: int = 2,
) -> list[QuoteSuggestion]:
    """Suggest hypotheses for quotes by the lemmas they share (a person confirms each one).

    The score of a quote for a hypothesis is the weight of the shared lemmas over the weight of
    the quote's lemmas, a lemma weighing ``log(1 + H / h)`` where ``H`` is the number of
    hypotheses and ``h`` those whose statement has it (words of every hypothesis weigh little).

    Parameters
    ----------
    quotes
        Sentences (:func:`split_quotes` of a masked note).
    hypotheses
        Candidates; refuted ones are skipped.
    min_score, min_shared
        A suggestion needs at least this score and this many shared lemmas.
    per_quote
        At most this many suggestions per quote, the best first.
    """
    pool = [h for h in hypotheses if h.status is not HypothesisStatus.refuted]
    bags = [set(lemmas(h.statement)) for h in pool]
    df = Counter(lemma for bag in bags for lemma in bag)
    total = max(len(pool), 1)

    def weight(lemma: str) -> float:
        return math.log(1 + total / df[lemma]) if df.get(lemma) else math.log(1 + total)

    out: list[QuoteSuggestion] = []
    for quote in quotes:
        own = set(lemmas(quote))
        if not own:
            continue
        norm = sum(weight(lemma) for lemma in own)
        found = []
        for hyp, bag in zip(pool, bags, strict=True):
            shared = own & bag
            if len(shared) < min_shared:
                continue
            score = sum(weight(lemma) for lemma in shared) / norm
            if score >= min_score:
                found.append((score, hyp.id, sorted(shared)))
        found.sort(key=lambda x: (-x[0], x[1]))
        out += [
            QuoteSuggestion(quote=quote, hypothesis=hid, score=round(score, 4), lemmas=shared)
            for score, hid, shared in found[:per_quote]
        ]
    return out


def quote_evidence(suggestion: QuoteSuggestion, *, source: str) -> Evidence:
    """Evidence from a quote a person confirmed for a hypothesis."""
    return Evidence(
        kind=EvidenceKind.interview,
        summary="Цитата из интервью (подтверждена исследователем).",
        source=source,
        quote=suggestion.quote,
    )


# --- Topics of complaints and open answers ----------------------------------------------------


@dataclass(frozen=True)
class _Fit:
    k: int
    weights: np.ndarray  # documents × topics
    components: np.ndarray  # topics × vocabulary
    separation: float  # silhouette of the documents' main topics, in topic space


def _fit(x: Any, k: int, random_state: int, sample: int = 3000) -> _Fit:
    model = NMF(n_components=k, init="nndsvda", random_state=random_state, max_iter=800)
    w = model.fit_transform(x)
    h = model.components_
    main = w.argmax(axis=1)
    separation = -1.0
    if 1 < len(set(main.tolist())) < w.shape[0]:
        norms = np.linalg.norm(w, axis=1, keepdims=True)
        wn = w / np.where(norms > 0, norms, 1.0)
        separation = float(
            silhouette_score(
                wn,
                main,
                metric="cosine",
                sample_size=min(sample, w.shape[0]),
                random_state=random_state,
            )
        )
    return _Fit(k, w, h, separation)


def mine_topics(
    texts: Sequence[str],
    *,
    segments: Sequence[str] | None = None,
    n_topics: int | None = None,
    k_range: tuple[int, int] = (2, 12),
    tolerance: float = 0.05,
    top_words: int = 8,
    examples: int = 3,
    random_state: int = 42,
) -> TopicModel:
    """Topics of complaints or open answers: lemmas → TF-IDF → NMF (deterministic).

    Parameters
    ----------
    texts
        One text per document.
    segments
        The segment of each document (key or label), for topic shares per segment.
    n_topics
        Number of topics; ``None`` chooses it in ``k_range`` by how well the documents
        separate by their main topic (silhouette, cosine, in topic space, on up to 3 000
        documents): the largest ``k`` whose silhouette is within ``tolerance`` of the best, so
        that near-equal separations favour finer topics.
    top_words, examples
        Lemmas and example quotes (masked, the documents most typical of the topic) per topic.
    random_state
        Seed of NMF's initialisation (``nndsvda`` is deterministic given the data).
    """
    if segments is not None and len(segments) != len(texts):
        raise InputError(
            f"Число сегментов ({len(segments)}) не совпадает с числом текстов ({len(texts)}).",
            hint="передайте по одному сегменту на текст.",
        )
    docs = [" ".join(lemmas(t or "")) for t in texts]
    keep = [i for i, d in enumerate(docs) if d]
    if len(keep) < 4:
        raise InputError(
            f"Для выделения тем нужно хотя бы 4 непустых текста, а есть {len(keep)}.",
            hint="загрузите больше жалоб или открытых ответов.",
        )
    vectorizer = TfidfVectorizer(
        tokenizer=str.split,
        token_pattern=None,
        lowercase=False,
        min_df=2 if len(keep) >= 20 else 1,
        max_df=0.5 if len(keep) >= 20 else 1.0,
        sublinear_tf=True,
    )
    x = vectorizer.fit_transform([docs[i] for i in keep])
    vocab = np.asarray(vectorizer.get_feature_names_out())
    if x.shape[1] < 2:
        raise InputError(
            "В текстах слишком мало содержательных слов для выделения тем.",
            hint="загрузите больше текстов.",
        )
    upper = max(1, min(x.shape[1] - 1, len(keep) // 5))
    if n_topics is not None:
        if not 1 <= n_topics <= upper:
            raise InputError(
                f"n_topics={n_topics}: для {len(keep)} текстов можно от 1 до {upper} тем.",
                hint="уменьшите число тем или загрузите больше текстов.",
            )
        fit = _fit(x, n_topics, random_state)
        chosen_by = f"число тем задано: {n_topics}"
    else:
        low, high = max(2, k_range[0]), max(2, min(k_range[1], upper))
        fits = [_fit(x, k, random_state) for k in range(low, high + 1)]
        best = max(f.separation for f in fits)
        fit = max((f for f in fits if f.separation >= best - tolerance), key=lambda f: f.k)
        chosen_by = (
            f"выбрано {fit.k} из {low}–{high}: наибольшее число тем, при котором тексты "
            f"разделяются по главным темам почти так же чётко, как при лучшем числе "
            f"(силуэт {_dec(fit.separation)} при лучшем {_dec(best)}, допуск {_dec(tolerance)})"
        )
    main = fit.weights.argmax(axis=1)
    topics = []
    for t in range(fit.k):
        order = np.argsort(-fit.components[t])[:top_words]
        members = np.flatnonzero(main == t)
        typical = members[np.argsort(-fit.weights[members, t])][:examples]
        topics.append(
            Topic(
                index=t,
                words=[str(w) for w in vocab[order] if fit.components[t, order[0]] > 0],
                documents=int(members.size),
                share=members.size / len(keep),
                examples=[mask_personal_data(texts[keep[int(i)]]).text for i in typical],
            )
        )
    by_segment: list[TopicSegmentShare] = []
    if segments is not None:
        seg = [str(segments[i]) for i in keep]
        totals = Counter(seg)
        pairs = Counter((seg[j], int(main[j])) for j in range(len(keep)))
        for (name, t), count in sorted(pairs.items()):
            by_segment.append(
                TopicSegmentShare(
                    segment=name, topic=t, documents=count, share=count / totals[name]
                )
            )
    topics.sort(key=lambda tp: -tp.documents)
    return TopicModel(
        n_documents=len(keep),
        n_topics=fit.k,
        topics=topics,
        by_segment=by_segment,
        chosen_by=chosen_by,
    )


def _dec(value: float) -> str:
    return f"{value:.2f}".replace(".", ",")


def topic_evidence(model: TopicModel, topic: int, *, source: str) -> Evidence:
    """Evidence from a topic of complaints: its share, its words and its most typical text."""
    found = next((t for t in model.topics if t.index == topic), None)
    if found is None:
        raise InputError(f"Темы {topic} нет в модели из {model.n_topics} тем.")
    share = f"{round(found.share * 100):d}\u00a0%"
    return Evidence(
        kind=EvidenceKind.complaint,
        summary=(
            f"Тема «{', '.join(found.words[:5])}»: главная в {found.documents} из "
            f"{model.n_documents} текстов ({share})."
        ),
        source=source,
        quote=found.examples[0] if found.examples else "",
        value=found.share,
    )


def texts_with_segments(
    study: Study,
    records: TableLike,
    table: ir.Table,
    *,
    text_column: str,
    id_column: str,
    records_id: str,
    feature_id: str,
    edges: dict[str, list[float]] | None = None,
    limit: int = 20_000,
) -> tuple[list[str], list[str]]:
    """Texts (complaints) with the segment of their author, joined in the engine by id.

    Returns the texts and, for each, the segment label of ``feature_id``; texts whose author
    is not in the records get «Нет данных». At most ``limit`` texts come back.
    """
    for column in (text_column, id_column):
        if column not in table.columns:
            raise InputError(
                f"В таблице текстов нет столбца «{column}».",
                hint="укажите столбец текста и столбец идентификатора автора.",
            )
    feature = study.feature(feature_id)
    coded = code_table(
        study, [feature], records.table, edges=edges, id_column=records_id, with_satisfaction=False
    )
    col = coded.columns[feature.id]
    per_client = coded.table.group_by("client").aggregate(code=coded.table[col].first())
    joined = table.left_join(per_client, table[id_column] == per_client.client)
    frame = execute(joined.select(text=joined[text_column], code=joined.code).limit(limit))
    bins = coded.bins[feature.id]
    texts = [str(t) if t is not None else "" for t in frame["text"]]
    labels = [
        segment_label(feature, str(c) if isinstance(c, str) else MISSING_CODE, bins)
        for c in frame["code"]
    ]
    return texts, labels


# --- Suggested quotes in the study -------------------------------------------------------------


def suggest_quote_evidence(
    study: Study,
    notes: Sequence[InterviewNote],
    *,
    min_score: float = 0.15,
    per_quote: int = 2,
) -> tuple[Study, list[QuoteSuggestion]]:
    """A copy of ``study`` with quotes of the notes suggested as evidence for its hypotheses.

    Each suggestion becomes an :class:`~segprofile.model.study.Evidence` of kind «interview»
    with ``suggested=True`` (unconfirmed) on the hypothesis: a person confirms it
    (:func:`confirm_quote`) or rejects it (:func:`reject_quote`). A quote already on the
    hypothesis from the same file is not added again.

    Returns
    -------
    (Study, list of QuoteSuggestion)
        The updated copy and the suggestions that were added (``source`` of each evidence is
        the note's file name).
    """
    updated = study.model_copy(deep=True)
    by_id = {h.id: h for h in updated.hypotheses}
    added: list[QuoteSuggestion] = []
    for note in notes:
        for suggestion in tag_quotes(
            note.quotes, updated.hypotheses, min_score=min_score, per_quote=per_quote
        ):
            hyp = by_id[suggestion.hypothesis]
            if any(e.quote == suggestion.quote and e.source == note.source for e in hyp.evidence):
                continue
            shared = ", ".join(suggestion.lemmas)
            score = f"{suggestion.score:.2f}".replace(".", ",")
            hyp.evidence.append(
                Evidence(
                    kind=EvidenceKind.interview,
                    summary=(
                        f"Цитата из интервью предложена программой по общим словам с гипотезой "
                        f"({shared}; оценка {score}); ждёт подтверждения."
                    ),
                    source=note.source,
                    quote=suggestion.quote,
                    suggested=True,
                )
            )
            added.append(suggestion)
    return updated, added


def _suggested_quote(study: Study, hypothesis_id: str, index: int, quote: str) -> Evidence:
    for hyp in study.hypotheses:
        if hyp.id != hypothesis_id:
            continue
        if 0 <= index < len(hyp.evidence):
            evidence = hyp.evidence[index]
            if evidence.suggested and evidence.quote == quote:
                return evidence
        raise InputError(
            f"У гипотезы «{hypothesis_id}» нет такой предложенной цитаты (№ {index + 1}): "
            "её уже подтвердили или отклонили.",
            hint="обновите страницу: список цитат изменился.",
        )
    raise InputError(f"Гипотеза «{hypothesis_id}» не найдена в исследовании.")


def confirm_quote(
    study: Study, hypothesis_id: str, index: int, quote: str, *, who: str, when: str
) -> Study:
    """A copy of ``study`` with a suggested quote confirmed as evidence (who and when noted).

    ``index`` is the evidence's position on the hypothesis and ``quote`` its text: both must
    match, so a page shown before someone else's change cannot confirm the wrong quote.
    """
    updated = study.model_copy(deep=True)
    evidence = _suggested_quote(updated, hypothesis_id, index, quote)
    evidence.suggested = False
    evidence.summary = f"Цитата из интервью, подтверждена исследователем ({who}, {when})."
    return updated


def reject_quote(study: Study, hypothesis_id: str, index: int, quote: str) -> Study:
    """A copy of ``study`` without a suggested quote (the person found it does not fit)."""
    updated = study.model_copy(deep=True)
    _suggested_quote(updated, hypothesis_id, index, quote)
    for hyp in updated.hypotheses:
        if hyp.id == hypothesis_id:
            del hyp.evidence[index]
    return updated

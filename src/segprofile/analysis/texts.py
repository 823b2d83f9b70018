"""Interview notes, complaints and open answers (M-9): import, masking, quotes, topics.

- :func:`read_text` imports a TXT (UTF-8, UTF-16, Windows-1251, KOI8-R or CP866, detected) or
  DOCX file; :func:`import_note` also masks personal data and splits the text into quotes.
- :func:`mask_personal_data` (from :mod:`segprofile.data.masking`, the one rule for every
  text path) replaces names, phones, e-mails, СНИЛС, ИНН, passport and card numbers, birth
  dates and addresses with placeholders, before anything is stored.
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
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import zip_longest
from pathlib import Path
from typing import Any

import ibis.expr.types as ir
import numpy as np
import razdel  # type: ignore[import-untyped]
from sklearn.decomposition import NMF  # type: ignore[import-untyped]
from sklearn.feature_extraction.text import TfidfVectorizer  # type: ignore[import-untyped]
from sklearn.metrics import silhouette_score  # type: ignore[import-untyped]

from segprofile.analysis.by_feature import TableLike, code_table, segment_label
from segprofile.analysis.stats import wilson_interval
from segprofile.analysis.suppression import OTHER_NAME, rare_codes
from segprofile.data.engine import execute
from segprofile.data.masking import PLACEHOLDERS, MaskedText, mask_file_name, mask_personal_data
from segprofile.data.masking import morph as _morph
from segprofile.errors import InputError
from segprofile.model.format import percent
from segprofile.model.labels import UNLINKED_LABEL, sentence_case
from segprofile.model.results import (
    Interval,
    InterviewNote,
    QuoteSuggestion,
    Topic,
    TopicModel,
    TopicSegmentShare,
)
from segprofile.model.study import (
    Evidence,
    EvidenceKind,
    FeatureType,
    Hypothesis,
    HypothesisStatus,
    Study,
    TopicLabel,
)

__all__ = [
    "MaskedText",
    "confirm_quote",
    "decode_text",
    "import_note",
    "label_topics",
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
    "topic_name",
    "typical_quotes",
]

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


_STOP_POS = frozenset({"NPRO", "PREP", "CONJ", "PRCL", "INTJ", "NUMR", "PRED"})
_STOP_TEXT = """быть мочь весь это который свой такой этот тот очень также уже ещё только один
    наш ваш мой твой их его её они она оно он мы вы я ты себя сам самый каждый другой нет да так
    как где когда тоже просто вот там тут здесь потом затем лишь даже именно же ли бы не ни
    прошу просить здравствуйте спасибо пожалуйста еще ее больше меньше более менее"""
STOP_WORDS = frozenset(_STOP_TEXT.split())


@dataclass(frozen=True)
class _Word:
    """What the analysis needs of a word's grammar (pymorphy3's likeliest parse)."""

    lemma: str | None  # the content lemma; None for a stop word
    pos: str | None
    case: str | None
    #: The word's readings as a noun: (normal form, number), the likeliest first.
    nouns: tuple[tuple[str, str | None], ...]


@lru_cache(maxsize=200_000)
def _word(word: str) -> _Word:
    """The grammar of a lower-case word (parsed once: parsing is the slow part)."""
    parses = _morph().parse(word)
    parse = parses[0]
    # A comparative is its own word: «больше» is not «большой», «дольше» not «долгий».
    lemma: str | None = word if parse.tag.POS == "COMP" else str(parse.normal_form)
    if parse.tag.POS in _STOP_POS or lemma in STOP_WORDS or len(lemma or "") < 2:
        lemma = None
    nouns = tuple(
        (str(p.normal_form), p.tag.number)
        for p in sorted(parses, key=lambda p: -p.score)
        if p.tag.POS == "NOUN"
    )
    return _Word(lemma=lemma, pos=parse.tag.POS, case=parse.tag.case, nouns=nouns)


def _lemma(word: str) -> str | None:
    """The lemma of a lower-case word, or ``None`` for a stop word."""
    return _word(word).lemma


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


# --- Masking personal data (the rule lives in segprofile.data.masking) ----------------------

_PLACEHOLDER_RE = re.compile("|".join(re.escape(p) for p in PLACEHOLDERS.values()))


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
    # The file's name becomes the quotes' source: a transcript is often named after a person.
    return note_from_text(read_text(path, data=data), source=mask_file_name(Path(path).name))


# --- Quotes → hypotheses ----------------------------------------------------------------------

#: A question of a transcript's dialogue («— Какие документы понадобились?», «Вопрос: …?»):
#: the interviewer's turn, no evidence of the client's experience, however many words it shares
#: with a hypothesis (the interviewer asks in the hypothesis's own words).
_ASKED = re.compile(r"^\s*(?:[—–-]|(?:интервьюер|вопрос)\s*:).*\?\s*$", re.IGNORECASE | re.DOTALL)


def is_asked(quote: str) -> bool:
    """Whether ``quote`` is a question of a dialogue (see :data:`_ASKED`)."""
    return _ASKED.match(quote) is not None


def tag_quotes(
    quotes: Sequence[str],
    hypotheses: Sequence[Hypothesis],
    *,
    min_score: float = 0.15,
    min_shared: int = 1,
    per_quote: int = 2,
) -> list[QuoteSuggestion]:
    """Suggest hypotheses for quotes by the lemmas they share (a person confirms each one); a
    question of the transcript's dialogue (:func:`is_asked`) is not suggested.

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
        if not own or is_asked(quote):
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


#: A topic's word weighs at least this share of its main word's weight in the topic (NMF).
_WORD_SHARE_OF_TOP = 0.1

#: Answers that say nothing: no text to find topics in («нет», «не знаю»).
_NON_ANSWER_WORDS = frozenset(
    {
        "нет",
        "не знаю",
        "незнаю",
        "нечего",
        "нет ответа",
        "затрудняюсь",
        "затрудняюсь ответить",
        "без комментариев",
        "нет комментариев",
        "не могу сказать",
        "нет предложений",
        "ничего",
    }
)


def is_non_answer(text: str) -> bool:
    """An answer with nothing to read: empty, no letters («-», «?», «…»), or a refusal
    («Нет», «не знаю», «Затрудняюсь ответить»). Such answers are no texts to find topics in."""
    words = " ".join(re.findall(r"[а-яёa-z]+", text.lower().replace("ё", "е")))
    return not words or words in _NON_ANSWER_WORDS


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
    confidence: float = 0.95,
) -> TopicModel:
    """Topics of complaints or open answers: lemmas → TF-IDF → NMF (deterministic).

    Parameters
    ----------
    texts
        One text per document.
    segments
        The segment of each document (key or label), for topic shares per segment (with
        Wilson intervals at ``confidence``).
    n_topics
        Number of topics; ``None`` chooses it in ``k_range`` by how well the documents
        separate by their main topic (silhouette, cosine, in topic space, on up to 3 000
        documents): the largest ``k`` whose silhouette is within ``tolerance`` of the best, so
        that near-equal separations favour finer topics.
    top_words, examples
        Lemmas and example quotes per topic. Every text is masked (:func:`mask_personal_data`)
        before its lemmas are counted. A topic is named by its most frequent phrase of its main
        lemmas, in agreed form (:func:`topic_name`); the examples are different sentences from
        the documents most typical of the topic, the most telling first — no sentence is shown
        twice.
    random_state
        Seed of NMF's initialisation (``nndsvda`` is deterministic given the data).
    """
    if segments is not None and len(segments) != len(texts):
        raise InputError(
            f"Число сегментов ({len(segments)}) не совпадает с числом текстов ({len(texts)}).",
            hint="передайте по одному сегменту на текст.",
        )
    # Masked first, whatever table the texts came from: no name or number reaches the topic
    # words or the examples; the placeholders themselves are no topic words.
    masked = [mask_personal_data(t or "").text for t in texts]
    tokens = [_tokens(_PLACEHOLDER_RE.sub(" ", t)) for t in masked]
    docs = [
        "" if is_non_answer(text) else " ".join(t.lemma for t in ts if t is not None and t.lemma)
        for text, ts in zip(masked, tokens, strict=True)
    ]
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
        chosen_by = f"Число тем задано: {n_topics}. {_distinctness(fit.separation)}"
    else:
        low, high = max(2, k_range[0]), max(2, min(k_range[1], upper))
        fits = [_fit(x, k, random_state) for k in range(low, high + 1)]
        best = max(f.separation for f in fits)
        fit = max((f for f in fits if f.separation >= best - tolerance), key=lambda f: f.k)
        chosen_by = (
            f"Число тем подобрано (от {low} до {high}): самое большое, при котором тексты "
            f"делятся по темам почти так же чётко, как при лучшем числе. "
            f"{_distinctness(fit.separation)}"
        )
    main = fit.weights.argmax(axis=1)
    index = {str(w): j for j, w in enumerate(vocab)}
    facts = [_facts(tokens[i]) for i in keep]
    everyone = _Frequencies.of(facts)
    topics = []
    candidates: dict[int, list[str]] = {}
    for t in range(fit.k):
        order = np.argsort(-fit.components[t])[:top_words]
        members = np.flatnonzero(main == t)
        typical = members[np.argsort(-fit.weights[members, t], kind="stable")]
        # A topic's words are those that weigh in it: not the near-zero tail every topic has
        # (a word of a few texts elsewhere would otherwise name every topic).
        top = fit.components[t, order[0]]
        words = [
            str(vocab[j])
            for j in order
            if top > 0 and fit.components[t, j] >= _WORD_SHARE_OF_TOP * top
        ]
        weight = {w: float(fit.components[t, index[w]]) for w in index}
        member_texts = [masked[keep[int(i)]] for i in typical[:_EXAMPLE_DOCS]]
        named = _Frequencies.of([facts[int(i)] for i in typical[:_NAME_DOCS]])
        candidates[t] = _name_candidates(named, everyone, words, weight)
        topics.append(
            Topic(
                index=t,
                words=words,
                # the top lemmas as they were (the key the team's names are matched by)
                signatures=[[str(w) for w in vocab[order]]],
                documents=int(members.size),
                share=members.size / len(keep),
                examples=_examples(member_texts, words, weight, examples),
            )
        )
    # A topic no text is mostly about is no topic: its words only echo the others'.
    topics = [tp for tp in topics if tp.documents > 0]
    _distinct_names(topics, candidates)
    by_segment: list[TopicSegmentShare] = []
    if segments is not None:
        seg = [str(segments[i]) for i in keep]
        pairs = Counter((seg[j], int(main[j])) for j in range(len(keep)))
        by_segment = _segment_shares(pairs, confidence)
    topics.sort(key=lambda tp: (-tp.documents, tp.index))
    return TopicModel(
        n_documents=len(keep),
        n_topics=len(topics),
        topics=topics,
        by_segment=by_segment,
        chosen_by=chosen_by,
    )


def _distinctness(separation: float) -> str:
    """How distinct the topics are, in words, from the separation (silhouette) of the texts."""
    if separation >= 0.5:
        return "Темы хорошо различаются: почти каждый текст — об одной из них."
    if separation >= 0.25:
        return "Темы различаются заметно, но часть текстов касается сразу нескольких."
    return (
        "Темы различаются слабо: многие тексты касаются сразу нескольких тем — "
        "читайте типичные тексты, прежде чем делать выводы."
    )


def _segment_shares(
    pairs: Mapping[tuple[str, int], int], confidence: float
) -> list[TopicSegmentShare]:
    """Per segment and topic: texts, share of the segment's texts and its Wilson interval."""
    totals: Counter[str] = Counter()
    for (name, _), count in pairs.items():
        totals[name] += count
    out = []
    for (name, t), count in sorted(pairs.items()):
        low, high = wilson_interval(count, totals[name], confidence)
        out.append(
            TopicSegmentShare(
                segment=name,
                topic=t,
                documents=count,
                share=count / totals[name],
                texts=totals[name],
                interval=Interval(low=low, high=high),
            )
        )
    return out


# --- Topic names and example quotes ------------------------------------------------------------

#: Documents of a topic read for its name, and for its example quotes.
_NAME_DOCS = 300
_EXAMPLE_DOCS = 60
#: A phrase names a topic when it is in at least this share of the topic's documents (and 2).
_PHRASE_SHARE = 0.2
#: …and at least this many times as common in the topic as in all the texts.
_MIN_LIFT = 1.2
_LIFT_CAP = 3.0
#: A sentence with fewer content lemmas is too short to stand for a topic.
_MIN_QUOTE_LEMMAS = 3
_NOUNS = frozenset({"NOUN"})
_ADJECTIVES = frozenset({"ADJF", "PRTF"})
_PROPER = frozenset({"Geox", "Orgn", "Name", "Surn", "Patr", "Trad"})


@dataclass(frozen=True)
class _Token:
    surface: str
    lemma: str | None  # a content lemma; None for stop words
    pos: str | None
    case: str | None
    abbreviation: bool

    @property
    def noun(self) -> bool:
        return self.lemma is not None and (self.pos in _NOUNS or self.abbreviation)


def _tokens(text: str) -> list[_Token | None]:
    """Word tokens with their grammar; ``None`` where punctuation breaks a phrase."""
    out: list[_Token | None] = []
    for token in razdel.tokenize(text):
        word = token.text
        if not _WORD_RE.match(word):
            out.append(None)
            continue
        info = _word(word.lower().replace("ё", "е"))
        out.append(
            _Token(
                surface=word,
                lemma=info.lemma,
                pos=info.pos,
                case=info.case,
                abbreviation=word.isupper() and len(word) > 1,
            )
        )
    return out


def _phrases(tokens: list[_Token | None]) -> list[tuple[str, tuple[str, ...], tuple[str, ...]]]:
    """Noun phrases of a text: ``(kind, lemmas, surface words)``.

    ``adj`` — an adjective agreeing with its noun («долгое ожидание»); ``gen`` — a noun with a
    noun in the genitive («срок рассмотрения», «МФЦ районного центра»); ``prep`` — a noun, a
    preposition and a noun («очереди в МФЦ», «справки о доходах»).
    """
    out: list[tuple[str, tuple[str, ...], tuple[str, ...]]] = []
    n = len(tokens)
    for i in range(n - 1):
        a, b = tokens[i], tokens[i + 1]
        if a is None or b is None or a.lemma is None:
            continue
        if a.pos in _ADJECTIVES and b.noun and b.lemma and (b.abbreviation or a.case == b.case):
            out.append(("adj", (a.lemma, b.lemma), (a.surface, b.surface)))
        if not a.noun:
            continue
        c = tokens[i + 2] if i + 2 < n else None
        if b.lemma is not None and b.noun and (b.case == "gent" or b.abbreviation):
            out.append(("gen", (a.lemma, b.lemma), (a.surface, b.surface)))
        if (
            b.lemma is not None
            and b.pos in _ADJECTIVES
            and b.case == "gent"
            and c is not None
            and c.noun
            and c.case == "gent"
            and c.lemma is not None
        ):
            out.append(("gen", (a.lemma, b.lemma, c.lemma), (a.surface, b.surface, c.surface)))
        if b.lemma is None and b.pos == "PREP" and c is not None and c.noun and c.lemma:
            out.append(("prep", (a.lemma, c.lemma), (a.surface, b.surface, c.surface)))
            d = tokens[i + 3] if i + 3 < n else None
            if d is not None and d.noun and d.lemma and d.case == "gent":
                words = (a.surface, b.surface, c.surface, d.surface)
                out.append(("prep", (a.lemma, c.lemma, d.lemma), words))
    return out


def _noun_parse(surface: str, lemma: str) -> Any:
    """The parse of ``surface`` as the noun ``lemma`` (the likeliest such), or ``None``."""
    parses = [
        p
        for p in _morph().parse(surface.lower().replace("ё", "е"))
        if p.normal_form == lemma and p.tag.POS in _NOUNS
    ]
    return max(parses, key=lambda p: p.score) if parses else None


def _keep_case(surface: str) -> str:
    """A dependent word as it reads inside a name: lower case unless an abbreviation or name."""
    if surface.isupper() and len(surface) > 1:
        return surface
    parse = _morph().parse(surface.lower())[0]
    if _PROPER & set(parse.tag.grammemes):
        return surface
    return surface.lower()


def _nominative(surface: str, lemma: str) -> tuple[str, Any]:
    """The noun in the nominative of the number it has in the text, and its parse."""
    if surface.isupper() and len(surface) > 1:
        return surface, None
    parse = _noun_parse(surface, lemma)
    if parse is None:
        return surface.lower(), None
    number = parse.tag.number or "sing"
    form = parse.inflect({"nomn", number})
    return (str(form.word) if form is not None else lemma), (form or parse)


def _render(kind: str, words: tuple[str, ...], lemma_tuple: tuple[str, ...]) -> str:
    if kind == "adj":
        noun, parse = _nominative(words[1], lemma_tuple[1])
        adjective = words[0].lower()
        # An abbreviation has no gender in the dictionary: the adjective keeps its own.
        grammemes = {"nomn"}
        if parse is not None:
            grammemes.add(parse.tag.number or "sing")
            if parse.tag.number != "plur" and parse.tag.gender:
                grammemes.add(parse.tag.gender)
        adj = next(
            (
                p
                for p in _morph().parse(adjective.replace("ё", "е"))
                if p.normal_form == lemma_tuple[0] and p.tag.POS in _ADJECTIVES
            ),
            None,
        )
        form = adj.inflect(grammemes) if adj is not None else None
        if form is not None:
            adjective = str(form.word)
        return sentence_case(f"{adjective} {noun}")
    head, _ = _nominative(words[0], lemma_tuple[0])
    return sentence_case(" ".join([head, *(_keep_case(w) for w in words[1:])]))


@dataclass(frozen=True)
class _Facts:
    """What naming needs of one text: its noun phrases and its nouns (with their number)."""

    phrases: dict[tuple[str, tuple[str, ...]], tuple[str, ...]]  # (kind, lemmas) → as written
    nouns: dict[str, str | None]  # lemma → "sing" / "plur" when the text says so clearly


def _facts(tokens: list[_Token | None]) -> _Facts:
    phrases: dict[tuple[str, tuple[str, ...]], tuple[str, ...]] = {}
    for kind, lemma_tuple, surface in _phrases(tokens):
        phrases.setdefault((kind, lemma_tuple), surface)
    nouns: dict[str, str | None] = {}
    for token in tokens:
        if token is None or not token.noun or token.lemma is None:
            continue
        readings = {
            n
            for lemma, n in _word(token.surface.lower().replace("ё", "е")).nouns
            if lemma == token.lemma
        }
        number = next(iter(readings)) if len(readings) == 1 else None
        if nouns.get(token.lemma) is None:
            nouns[token.lemma] = number
    return _Facts(phrases=phrases, nouns=nouns)


@dataclass
class _Frequencies:
    """In how many texts of a group each phrase and each noun is, and how they are written."""

    texts: int
    phrases: Counter[tuple[str, tuple[str, ...]]]
    nouns: Counter[str]
    surfaces: dict[tuple[str, tuple[str, ...]], Counter[tuple[str, ...]]]
    numbers: dict[str, Counter[str]]

    @classmethod
    def of(cls, facts: Sequence[_Facts]) -> _Frequencies:
        out = cls(len(facts), Counter(), Counter(), {}, {})
        for fact in facts:
            out.phrases.update(fact.phrases.keys())
            out.nouns.update(fact.nouns.keys())
            for key, surface in fact.phrases.items():
                out.surfaces.setdefault(key, Counter())[surface] += 1
            for lemma, number in fact.nouns.items():
                if number is not None:
                    out.numbers.setdefault(lemma, Counter())[number] += 1
        return out


def _distinctive(
    counts: Counter[Any],
    texts: int,
    everyone: Counter[Any],
    total: int,
    weight: Mapping[str, float],
    lemmas_of: Callable[[Any], tuple[str, ...]],
) -> list[Any]:
    """Keys in at least a fifth of the group's texts (and two), more common there than in all.

    Ranked by the share in the group × log(lift), the lift counting up to :data:`_LIFT_CAP`
    (beyond it a phrase is telling enough, and the more common one names the topic better);
    ties go to the phrase whose lemmas weigh more in the topic, then to the longer one.
    """
    need = max(2.0, _PHRASE_SHARE * texts)
    scored = []
    for key, count in counts.items():
        if count < need:
            continue
        share = count / texts
        lift = share / (everyone[key] / total)
        if lift > _MIN_LIFT:
            own = lemmas_of(key)
            heft = sum(weight.get(lemma, 0.0) for lemma in set(own))
            rank = -share * math.log(min(lift, _LIFT_CAP))
            scored.append((rank, -heft, -len(own), str(key), key))
    return [item[-1] for item in sorted(scored)]


def topic_name(documents: Sequence[str], others: Sequence[str] = ()) -> str:
    """A short Russian name of a topic from its typical documents, set against the others.

    The name is the noun phrase (an agreed adjective and a noun, a noun with a genitive, a
    noun with a preposition) that is in the most of the topic's documents — at least a fifth
    of them and two — and more common there than in all the texts; it is put in the
    nominative with its adjective agreed (pymorphy3): «Срок рассмотрения», «Очереди в МФЦ»,
    «Горячая линия». Without such a phrase: the topic's two most telling nouns («Документы и
    справки»), in the number the texts use; else its main lemma.
    """
    group = [_facts(_tokens(text)) for text in documents]
    everyone = _Frequencies.of(group + [_facts(_tokens(text)) for text in others])
    words = [lemma for lemma, _ in _Frequencies.of(group).nouns.most_common()]
    return _name_candidates(_Frequencies.of(group), everyone, words, {})[0]


def _name_candidates(
    group: _Frequencies,
    everyone: _Frequencies,
    words: Sequence[str],
    weight: Mapping[str, float],
) -> list[str]:
    """Names for a topic, the best first (see :func:`topic_name`); never empty."""
    names = []
    phrases = _distinctive(
        group.phrases, group.texts, everyone.phrases, everyone.texts, weight, lambda k: k[1]
    )
    for key in phrases:
        surface = max(group.surfaces[key].items(), key=lambda item: (item[1], item[0]))[0]
        names.append(_render(key[0], surface, key[1]))
    nouns = _distinctive(
        group.nouns, group.texts, everyone.nouns, everyone.texts, weight, lambda k: (k,)
    )[:2]
    if nouns:
        known = {n: group.numbers[n].most_common(1)[0][0] for n in nouns if n in group.numbers}
        forms = []
        for lemma in nouns:
            number = known.get(lemma) or next(iter(known.values()), "sing")
            parse = next((p for p in _morph().parse(lemma) if p.tag.POS in _NOUNS), None)
            form = parse.inflect({"nomn", number}) if parse is not None else None
            word = str(form.word) if form is not None else lemma
            forms.append(word.upper() if len(word) <= 5 and parse is None else word)
        names.append(sentence_case(" и ".join(forms)))
    names.append(sentence_case(words[0]) if words else "Без названия")
    return list(dict.fromkeys(names))


def _distinct_names(topics: list[Topic], candidates: Mapping[int, list[str]]) -> None:
    """Give every topic its best name that no larger topic took; else a bracketed lemma."""
    taken: set[str] = set()
    for topic in sorted(topics, key=lambda t: (-t.documents, t.index)):
        name = next((c for c in candidates[topic.index] if c not in taken), None)
        if name is None:
            first = candidates[topic.index][0]
            named = set(lemmas(first))
            extra = next((w for w in topic.words if w not in named), str(topic.index + 1))
            name = f"{first} ({extra})"
        topic.name = name
        taken.add(name)


def _examples(
    documents: Sequence[str], words: Sequence[str], weight: Mapping[str, float], limit: int
) -> list[str]:
    """Different sentences (masked) of the most typical documents, the most telling first.

    A sentence counts when it has one of the topic's main lemmas and weighs at least a quarter
    of the best sentence in the topic; it is left out when another with the same content
    lemmas was chosen (the same sentence with another date or number, another form of a word)
    or when it has fewer than three content lemmas (greetings, «прошу разобраться»).
    """
    main = set(words)
    candidates: list[tuple[float, int, str, frozenset[str]]] = []
    for rank, text in enumerate(documents):
        for sentence in split_quotes(mask_personal_data(text).text):
            bag = frozenset(lemmas(sentence))
            if len(bag) < _MIN_QUOTE_LEMMAS or not bag & main:
                continue
            score = sum(weight.get(lemma, 0.0) for lemma in bag) / math.sqrt(len(bag))
            candidates.append((score, rank, sentence, bag))
    candidates.sort(key=lambda c: (-c[0], c[1]))
    best = candidates[0][0] if candidates else 0.0
    chosen: list[str] = []
    bags: list[frozenset[str]] = []
    for score, _, sentence, bag in candidates:
        if score < best / 4 or len(chosen) == limit:
            break
        if bag in bags:
            continue
        chosen.append(sentence)
        bags.append(bag)
    return chosen


def typical_quotes(documents: Sequence[str], words: Sequence[str], limit: int) -> list[str]:
    """Different sentences (masked) of ``documents`` most typical of a topic's main lemmas
    ``words`` (the first weighs most), e.g. a cluster's own complaints on a topic."""
    weight = {w: 1.0 / (1 + i) for i, w in enumerate(words)}
    return _examples(documents, words, weight, limit)


# --- The team's names and merges, kept across re-runs ------------------------------------------

#: A saved name goes to a new topic whose main lemmas overlap its own at least this much
#: (Jaccard of the main lemmas: 4 of 8 shared is 0,33).
TOPIC_MATCH = 0.3


def _jaccard(a: Sequence[str], b: Sequence[str]) -> float:
    sa, sb = set(a), set(b)
    return len(sa & sb) / len(sa | sb) if sa | sb else 0.0


def label_topics(
    model: TopicModel, labels: Sequence[TopicLabel], *, confidence: float = 0.95
) -> TopicModel:
    """The topics with the team's names, and the topics the team merged made one.

    Each found topic takes the saved name whose stored topics share the most of its main
    lemmas (Jaccard ≥ :data:`TOPIC_MATCH`); topics that take the same name are merged: their
    texts, shares per segment (and intervals) add up, their lemmas and examples are joined.
    Names that match no topic are listed in ``unmatched_labels``.
    """
    if not labels:
        return model
    # Each stored topic goes to the found topic most like it, the closest pairs first; a found
    # topic takes one name only. Topics that take the same name are merged.
    candidates = sorted(
        (
            (
                -_jaccard(topic.signatures[0] if topic.signatures else topic.words, sig),
                label.id,
                n,
                topic.index,
                label,
            )
            for label in labels
            for n, sig in enumerate(label.topics)
            for topic in model.topics
        ),
        key=lambda item: item[:4],
    )
    match: dict[int, TopicLabel] = {}
    placed: set[tuple[str, int]] = set()
    for similarity, label_id, n, index, saved in candidates:
        if -similarity < TOPIC_MATCH or (label_id, n) in placed:
            continue
        if index in match and match[index].id != label_id:
            continue
        match[index] = saved
        placed.add((label_id, n))
    groups: dict[str, list[Topic]] = {}
    for topic in model.topics:
        found = match.get(topic.index)
        groups.setdefault(found.id if found else f"\x00{topic.index}", []).append(topic)
    by_id = {label.id: label for label in labels}
    topics: list[Topic] = []
    target: dict[int, int] = {}
    for key, members in groups.items():
        label = by_id.get(key)
        first = min(members, key=lambda t: t.index)
        for member in members:
            target[member.index] = first.index
        if label is None:
            topics.append(first)
            continue
        packs = zip_longest(*(m.words for m in members))
        words = list(dict.fromkeys(w for pack in packs for w in pack if w is not None))
        examples: list[str] = []
        for member in sorted(members, key=lambda t: -t.documents):
            examples += [e for e in member.examples if e not in examples]
        topics.append(
            first.model_copy(
                update={
                    "name": label.name,
                    "name_origin": "team",
                    "label_id": label.id,
                    "words": words[: max(len(first.words), 1)],
                    "signatures": [s for m in members for s in m.signatures],
                    "documents": sum(m.documents for m in members),
                    "share": sum(m.share for m in members),
                    "examples": examples[: max(len(first.examples), 3)],
                }
            )
        )
    pairs: Counter[tuple[str, int]] = Counter()
    for share in model.by_segment:
        pairs[(share.segment, target[share.topic])] += share.documents
    topics.sort(key=lambda tp: (-tp.documents, tp.index))
    used = {label.id for label in match.values()}
    return model.model_copy(
        update={
            "topics": topics,
            "n_topics": len(topics),
            "by_segment": _segment_shares(pairs, confidence) if model.by_segment else [],
            "unmatched_labels": [label.name for label in labels if label.id not in used],
        }
    )


def topic_evidence(model: TopicModel, topic: int, *, source: str) -> Evidence:
    """Evidence from a topic of complaints: its share, its name and its most typical text."""
    found = next((t for t in model.topics if t.index == topic), None)
    if found is None:
        raise InputError(f"Темы {topic} нет в модели из {model.n_topics} тем.")
    name = found.name or ", ".join(found.words[:5])
    return Evidence(
        kind=EvidenceKind.complaint,
        summary=(
            f"Тема «{name}» ({', '.join(found.words[:5])}): главная в {found.documents} из "
            f"{model.n_documents} текстов ({percent(found.share)})."
        ),
        source=source,
        quote=found.examples[0] if found.examples else "",
        value=found.share,
    )


def texts_of(values: Iterable[object]) -> list[str]:
    """Texts as read from a table: a missing one (``None``, or NaN from pandas) is no text, never
    «nan» — a blank answer would otherwise make a topic of its own."""
    return [v if isinstance(v, str) else "" for v in values]


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
    is not in the records get :data:`UNLINKED_LABEL` (why they have no segment). A categorical
    value of fewer than ``min_cell`` clients is never named: its texts get «Прочие значения»
    (``analysis.suppression``). At most ``limit`` texts come back.
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
    rare: set[str] = set()
    if feature.type is FeatureType.categorical:
        keyed = coded.table
        # People, not rows (as the published profile counts a value to name it).
        sizes = execute(keyed.group_by(code=keyed[col]).aggregate(n=keyed.client.nunique()))
        counts = {str(c): int(n) for c, n in zip(sizes["code"], sizes["n"], strict=True)}
        rare = rare_codes(counts, study.segmentation.min_cell)
    texts = texts_of(frame["text"])
    labels = [
        UNLINKED_LABEL
        if not isinstance(c, str)
        else OTHER_NAME
        if c in rare
        else segment_label(feature, c, bins)
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

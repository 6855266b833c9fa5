"""Suggest a report's category from its Vietnamese description, offline on the CPU.

TF-IDF over syllables and syllable pairs (with and without diacritics) and character
n-grams, and a multinomial logistic regression (scikit-learn), trained per commune on its
own reports whose category staff confirmed, plus the shipped seed while it has few. The
model is stored as gzipped JSON in the storage with its SHA-256 in a ``ClassifierModel``
row, loaded once per process and reloaded when a newer one appears. docs/field-reports.md,
"Category suggestion", says how it is retrained.
"""

import base64
import gzip
import hashlib
import itertools
import json
import logging
import math
import re
import secrets
import threading
import time
import unicodedata
from collections import Counter, OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from io import BytesIO
from pathlib import Path
from typing import Any

import numpy as np
from django.core.files.base import File
from django.db import transaction
from django.utils import timezone

from langso.core.models import Commune
from langso.reports.models import Category, ClassifierModel, Report
from langso.reports.workflow import State

log = logging.getLogger(__name__)

FORMAT = 1  # of the stored file; bump when features() changes
SEED_FILE = Path(__file__).parent / "data" / "seed_reports.json"
STORAGE_PREFIX = "report-classifiers"
# A category's seed examples are used until the commune has this many confirmed reports of
# it: from then on its own residents' words are enough, and better.
SEED_UNTIL = 20
MIN_EXAMPLES = 2  # per category, to be learned at all
MAX_OWN = 5_000  # most recent confirmed reports used: bounds the weekly training time
CV_MIN = 5  # examples a category needs to get a cross-validated accuracy
CV_FOLDS = 5
C = 10.0  # inverse regularisation: chosen by cross-validation on the seed (docs)
# Below this probability of the best category no suggestion is made (ten categories:
# a flat guess would be 0.10; measured on the seed: docs/field-reports.md).
MIN_PROBABILITY = 0.30
KEEP_MODELS = 3
MAX_FILE_BYTES = 64 * 1024 * 1024
CACHE_COMMUNES = 16  # a model of a few thousand reports is a few MB
# Staff accepted the report with its category (triage may have corrected it); a rejected
# report's category was never confirmed.
CONFIRMED_STATES = frozenset({State.TRIAGED, State.IN_PROGRESS, State.ANSWER_DRAFTED,
                              State.ANSWER_APPROVED, State.RESOLVED, State.REOPENED,
                              State.CLOSED})


class ModelRefused(Exception):
    """A stored model that is not exactly what was written: never used."""


# -- features -----------------------------------------------------------------------------

_LETTERS = re.compile(r"[^\W\d_]+")


def _plain(syllable: str) -> str:
    """Without diacritics: "đường" → "duong" (many phones type without them)."""
    decomposed = unicodedata.normalize("NFD", syllable.replace("đ", "d"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def features(text: str) -> list[str]:
    """The terms of a text: syllables and syllable pairs as written (Vietnamese words are
    one to three syllables, so pairs catch most two-syllable words without a segmenter),
    the same without diacritics, and character 3- and 4-grams of the plain syllables
    (typos, missing tone marks)."""
    syllables = _LETTERS.findall(unicodedata.normalize("NFC", text).lower())
    plain = [_plain(s) for s in syllables]
    out = [f"w:{s}" for s in syllables]
    out += [f"b:{a}_{b}" for a, b in itertools.pairwise(syllables)]
    out += [f"p:{s}" for s in plain]
    out += [f"q:{a}_{b}" for a, b in itertools.pairwise(plain)]
    for s in plain:
        padded = f" {s} "
        for n in (3, 4):
            out += [f"c:{padded[i:i + n]}" for i in range(len(padded) - n + 1)]
    return out


@dataclass
class Vectorizer:
    """TF-IDF: (1 + log tf) × smooth idf, rows of unit length."""

    vocabulary: dict[str, int]
    idf: np.ndarray

    @classmethod
    def fit(cls, documents: Sequence[Sequence[str]]) -> "Vectorizer":
        """From the ``features`` of each training text."""
        df: Counter[str] = Counter()
        for terms in documents:
            df.update(set(terms))
        vocabulary = sorted(df)
        n = len(documents)
        idf = np.array([math.log((1 + n) / (1 + df[t])) + 1 for t in vocabulary],
                       dtype=np.float32)
        return cls({t: i for i, t in enumerate(vocabulary)}, idf)

    def row(self, terms: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """(column indexes, values) of one text's terms; empty when none is known."""
        counts = Counter(i for t in terms if (i := self.vocabulary.get(t)) is not None)
        if not counts:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        columns = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
        tf = np.fromiter(counts.values(), dtype=np.float32, count=len(counts))
        values = (1 + np.log(tf)) * self.idf[columns]
        return columns, values / np.linalg.norm(values)

    def matrix(self, documents: Sequence[Sequence[str]]) -> Any:
        from scipy import sparse

        rows, columns, values = [], [], []
        for r, terms in enumerate(documents):
            c, v = self.row(terms)
            rows.append(np.full(len(c), r))
            columns.append(c)
            values.append(v)
        return sparse.csr_matrix(
            (np.concatenate(values), (np.concatenate(rows), np.concatenate(columns))),
            shape=(len(documents), len(self.vocabulary)), dtype=np.float64)


@dataclass
class Model:
    """What ``suggest`` needs: category ids, the vectorizer and the linear layer."""

    classes: list[int]
    vectorizer: Vectorizer
    coef: np.ndarray  # classes × terms
    intercept: np.ndarray

    def probabilities(self, text: str) -> np.ndarray | None:
        return self.probabilities_of(features(text))

    def probabilities_of(self, terms: Sequence[str]) -> np.ndarray | None:
        """None when not one syllable of the text is known: a few shared letters alone
        ("xyzq" has " xy") are no ground for a guess."""
        vocabulary = self.vectorizer.vocabulary
        if not any(t[0] in "wp" and t in vocabulary for t in terms):
            return None
        columns, values = self.vectorizer.row(terms)
        scores = self.coef[:, columns] @ values + self.intercept
        scores = np.exp(scores - scores.max())
        return np.asarray(scores / scores.sum())


def fit(texts: Sequence[str], labels: Sequence[int]) -> Model:
    """Train on ``texts`` labelled with category ids (at least two distinct)."""
    return _fit([features(t) for t in texts], labels)


def _fit(documents: Sequence[Sequence[str]], labels: Sequence[int]) -> Model:
    from sklearn.linear_model import LogisticRegression
    from threadpoolctl import threadpool_limits

    vectorizer = Vectorizer.fit(documents)
    # Newton-CG converges in a few steps here; one BLAS thread, because several threads
    # on a small shared server made it many times slower, not faster.
    regression = LogisticRegression(C=C, solver="newton-cg", max_iter=200)
    with threadpool_limits(1):
        regression.fit(vectorizer.matrix(documents), np.asarray(labels))
    return Model(classes=[int(c) for c in regression.classes_], vectorizer=vectorizer,
                 coef=regression.coef_.astype(np.float32),
                 intercept=regression.intercept_.astype(np.float32))


# -- the stored file -------------------------------------------------------------------------

def _b64(array: np.ndarray) -> str:
    return base64.b64encode(np.ascontiguousarray(array, dtype="<f4").tobytes()).decode()


def _floats(value: Any, count: int) -> np.ndarray:
    if not isinstance(value, str):
        raise ModelRefused("an array is not text")
    raw = base64.b64decode(value, validate=True)
    if len(raw) != 4 * count:
        raise ModelRefused("an array has the wrong length")
    array = np.frombuffer(raw, dtype="<f4").astype(np.float32)
    if not np.isfinite(array).all():
        raise ModelRefused("an array holds a value that is not a number")
    return array


def encode(model: Model) -> bytes:
    terms = sorted(model.vectorizer.vocabulary, key=model.vectorizer.vocabulary.__getitem__)
    document = {"format": FORMAT, "classes": model.classes, "terms": terms,
                "idf": _b64(model.vectorizer.idf), "coef": _b64(model.coef),
                "intercept": _b64(model.intercept)}
    return gzip.compress(json.dumps(document, ensure_ascii=False).encode(), mtime=0)


def decode(data: bytes, sha256: str) -> Model:
    """The model in ``data`` if its SHA-256 is ``sha256`` and every part has the shape it
    must; ``ModelRefused`` otherwise. Only JSON and raw float32 arrays are read."""
    if not secrets.compare_digest(hashlib.sha256(data).hexdigest(), sha256):
        raise ModelRefused("the file is not the one that was stored (SHA-256 differs)")
    try:
        with gzip.GzipFile(fileobj=BytesIO(data)) as stream:
            raw = stream.read(MAX_FILE_BYTES * 4 + 1)
        if len(raw) > MAX_FILE_BYTES * 4:
            raise ModelRefused("the file is too large")
        document = json.loads(raw)
    except (OSError, EOFError, ValueError) as exc:
        raise ModelRefused(f"the file cannot be read: {exc}") from exc
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ModelRefused("unknown format")
    classes, terms = document.get("classes"), document.get("terms")
    if not isinstance(classes, list) or len(classes) < 2 or not all(
            type(c) is int for c in classes) or len(set(classes)) != len(classes):
        raise ModelRefused("bad classes")
    if not isinstance(terms, list) or not all(isinstance(t, str) for t in terms) or len(
            set(terms)) != len(terms):
        raise ModelRefused("bad terms")
    try:
        idf = _floats(document.get("idf"), len(terms))
        coef = _floats(document.get("coef"), len(classes) * len(terms))
        intercept = _floats(document.get("intercept"), len(classes))
    except ValueError as exc:  # not base64
        raise ModelRefused(f"bad array: {exc}") from exc
    return Model(classes=classes,
                 vectorizer=Vectorizer({t: i for i, t in enumerate(terms)}, idf),
                 coef=coef.reshape(len(classes), len(terms)), intercept=intercept)


def _storage() -> Any:
    from langso.core.uploads.services import storage

    return storage()


def load(row: ClassifierModel) -> Model:
    with _storage().open(row.storage_name, "rb") as stream:
        data = stream.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise ModelRefused("the file is too large")
    return decode(data, row.sha256)


# -- training ----------------------------------------------------------------------------------

@cache
def seed_examples() -> dict[str, tuple[str, ...]]:
    """The shipped labelled examples, by default category code."""
    document = json.loads(SEED_FILE.read_text(encoding="utf-8"))
    return {code: tuple(texts) for code, texts in document["examples"].items()}


@dataclass(frozen=True)
class CategoryResult:
    category_id: int
    code: str
    name: str
    examples: int
    own_examples: int
    accuracy: float | None  # cross-validated share of its examples suggested right


@dataclass(frozen=True)
class TrainingResult:
    commune_id: int
    trained: bool
    reason: str  # why not trained ("" when trained)
    examples: int = 0
    own_examples: int = 0
    seed_examples: int = 0
    accuracy: float | None = None  # cross-validated, over every example
    own_accuracy: float | None = None  # the same, over the commune's own reports only
    categories: list[CategoryResult] = field(default_factory=list)
    model_id: int | None = None
    seconds: float = 0.0


@dataclass
class Examples:
    texts: list[str] = field(default_factory=list)
    labels: list[int] = field(default_factory=list)
    own: list[bool] = field(default_factory=list)

    def add(self, text: str, label: int, own: bool) -> None:
        self.texts.append(text)
        self.labels.append(label)
        self.own.append(own)


def confirmed_reports(commune: Commune) -> Any:
    """The commune's reports whose category staff confirmed (accepted at triage or later,
    not rejected), visible and with their text shown: the labels to learn from."""
    return (Report.objects.filter(commune=commune, status__in=CONFIRMED_STATES, hidden=False,
                                  description_hidden=False, category__is_active=True)
            .order_by("-pk"))


def training_examples(commune: Commune) -> tuple[Examples, str]:
    """The examples and their fingerprint (same fingerprint, same model)."""
    categories = list(Category.objects.filter(commune=commune, is_active=True)
                      .order_by("pk"))
    examples = Examples()
    own = list(confirmed_reports(commune).values_list("pk", "category_id", "description")
               [:MAX_OWN])
    for _pk, category_id, description in own:
        examples.add(description, category_id, True)
    counts = Counter(category_id for _pk, category_id, _d in own)
    seed = seed_examples()
    seeded = []
    for category in categories:
        if counts[category.pk] < SEED_UNTIL and category.code in seed:
            seeded.append(category.pk)
            for text in seed[category.code]:
                examples.add(text, category.pk, False)
        # The category's own words: all a new custom category has to start with.
        about = " ".join(filter(None, [category.name, category.description,
                                       category.keywords]))
        examples.add(about, category.pk, False)
    digest = hashlib.sha256()
    digest.update(f"{FORMAT}:{hashlib.sha256(SEED_FILE.read_bytes()).hexdigest()}".encode())
    for category in categories:
        digest.update(f"|c{category.pk}:{category.name}:{category.description}:"
                      f"{category.keywords}".encode())
    digest.update(f"|s{seeded}".encode())
    for pk, category_id, _d in own:
        digest.update(f"|r{pk}:{category_id}".encode())
    return examples, digest.hexdigest()


def _cross_validate(examples: Examples, documents: Sequence[Sequence[str]]
                    ) -> tuple[dict[int, float], float | None, float | None]:
    """Per-category accuracy from stratified k-fold predictions, over the categories with
    at least ``CV_MIN`` examples (fewer cannot be measured)."""
    from sklearn.model_selection import StratifiedKFold

    counts = Counter(examples.labels)
    measured = {c for c, n in counts.items() if n >= CV_MIN}
    if len(measured) < 2:
        return {}, None, None
    index = [i for i, label in enumerate(examples.labels) if label in measured]
    labels = np.asarray([examples.labels[i] for i in index])
    folds = StratifiedKFold(n_splits=min(CV_FOLDS, min(counts[c] for c in measured)),
                            shuffle=True, random_state=0)
    right = np.zeros(len(index), dtype=bool)
    for train_at, test_at in folds.split(np.zeros(len(index)), labels):
        model = _fit([documents[index[i]] for i in train_at], labels[train_at].tolist())
        for i in test_at:
            p = model.probabilities_of(documents[index[i]])
            right[i] = p is not None and model.classes[int(p.argmax())] == labels[i]
    per = {int(c): float(right[labels == c].mean()) for c in measured}
    own = np.asarray([examples.own[i] for i in index])
    return (per, float(right.mean()),
            float(right[own].mean()) if own.sum() >= CV_MIN else None)


def train(commune: Commune, *, force: bool = False,
          cross_validate: bool = True) -> TrainingResult:
    """Train the commune's suggester from its confirmed reports (and the seed where it has
    few), store it and make it the one ``suggest`` uses. Nothing is stored when the
    examples are those of the current model (unless ``force``) or when fewer than two
    categories have ``MIN_EXAMPLES``. ``cross_validate=False`` skips measuring the
    accuracy (five more trainings): for the demo."""
    started = time.monotonic()
    examples, fingerprint = training_examples(commune)
    current = ClassifierModel.objects.filter(commune=commune).order_by("-pk").first()
    counts = Counter(examples.labels)
    learnable = {c for c, n in counts.items() if n >= MIN_EXAMPLES}
    if len(learnable) < 2:
        return TrainingResult(commune.pk, False, "too few examples",
                              examples=len(examples.texts))
    if current is not None and current.fingerprint == fingerprint and not force and (
            _readable(current)):
        return TrainingResult(commune.pk, False, "unchanged", model_id=current.pk,
                              examples=current.examples, own_examples=current.own_examples,
                              seed_examples=current.seed_examples,
                              accuracy=current.accuracy)
    keep = [i for i, label in enumerate(examples.labels) if label in learnable]
    examples = Examples([examples.texts[i] for i in keep], [examples.labels[i] for i in keep],
                        [examples.own[i] for i in keep])
    documents = [features(t) for t in examples.texts]
    model = _fit(documents, examples.labels)
    per, accuracy, own_accuracy = (_cross_validate(examples, documents) if cross_validate
                                   else ({}, None, None))
    names = dict(Category.objects.filter(pk__in=learnable).values_list("pk", "name"))
    codes = dict(Category.objects.filter(pk__in=learnable).values_list("pk", "code"))
    own_counts = Counter(label for label, own in zip(examples.labels, examples.own,
                                                     strict=True) if own)
    categories = [CategoryResult(c, codes[c], names[c], counts[c], own_counts[c], per.get(c))
                  for c in sorted(learnable, key=lambda c: (-counts[c], names[c]))]
    row = _store(commune, model, fingerprint=fingerprint, examples=examples,
                 accuracy=accuracy, categories=categories)
    seconds = round(time.monotonic() - started, 2)
    own_total = sum(examples.own)
    log.info("reports.classifier.trained", extra={
        "commune": commune.pk, "examples": len(examples.texts), "own": own_total,
        "accuracy": accuracy, "seconds": seconds})
    return TrainingResult(commune.pk, True, "", examples=len(examples.texts),
                          own_examples=own_total,
                          seed_examples=len(examples.texts) - own_total, accuracy=accuracy,
                          own_accuracy=own_accuracy, categories=categories, model_id=row.pk,
                          seconds=seconds)


def _readable(row: ClassifierModel) -> bool:
    """Whether the stored file is still the one recorded: a file lost with a restore, or
    changed, is trained again even when the examples are the same."""
    try:
        load(row)
    except (ModelRefused, OSError):
        return False
    return True


def _store(commune: Commune, model: Model, *, fingerprint: str, examples: Examples,
           accuracy: float | None, categories: list[CategoryResult]) -> ClassifierModel:
    """The file first, then its row (as uploads do); older models beyond ``KEEP_MODELS``
    and their files go once the new row is committed."""
    data = encode(model)
    name = f"{STORAGE_PREFIX}/{commune.pk}/{timezone.now():%Y%m%d}-{secrets.token_hex(8)}.json.gz"
    name = _storage().save(name, File(BytesIO(data), name=name))
    try:
        with transaction.atomic():
            row = ClassifierModel.objects.create(
                commune=commune, storage_name=name,
                sha256=hashlib.sha256(data).hexdigest(), size=len(data), format=FORMAT,
                fingerprint=fingerprint, examples=len(examples.texts),
                own_examples=sum(examples.own),
                seed_examples=len(examples.texts) - sum(examples.own),
                categories=len(categories), accuracy=accuracy,
                metrics={"categories": [c.__dict__ for c in categories]})
    except BaseException:
        _storage().delete(name)
        raise
    old = list(ClassifierModel.objects.filter(commune=commune).order_by("-pk")
               [KEEP_MODELS:].values_list("pk", "storage_name"))
    if old:
        ClassifierModel.objects.filter(pk__in=[pk for pk, _n in old]).delete()
        transaction.on_commit(lambda: _delete_files([n for _pk, n in old]))
    return row


def _delete_files(names: Iterable[str]) -> None:
    for name in names:
        try:
            _storage().delete(name)
        except Exception:
            log.exception("reports.classifier.delete_failed", extra={"storage_name": name})


def train_all(*, force: bool = False) -> dict[str, int]:
    """Every active commune with categories (the weekly task): one failing commune is
    logged and does not stop the others."""
    outcome: Counter[str] = Counter()
    for commune in Commune.objects.filter(is_active=True, report_categories__is_active=True
                                          ).distinct().order_by("pk"):
        try:
            result = train(commune, force=force)
        except Exception:
            log.exception("reports.classifier.failed", extra={"commune": commune.pk})
            outcome["failed"] += 1
            continue
        outcome["trained" if result.trained else result.reason.replace(" ", "_")] += 1
    return dict(outcome)


# -- suggesting --------------------------------------------------------------------------------

_lock = threading.Lock()
# commune id → (model row id and SHA-256, the model or None when the file was refused)
_loaded: "OrderedDict[int, tuple[tuple[int, str], Model | None]]" = OrderedDict()


def _model_for(commune_id: int) -> Model | None:
    latest = (ClassifierModel.objects.filter(commune_id=commune_id).order_by("-pk")
              .only("pk", "storage_name", "sha256").first())
    if latest is None:
        return None
    key = (latest.pk, latest.sha256)
    with _lock:
        found = _loaded.get(commune_id)
        if found is not None and found[0] == key:
            _loaded.move_to_end(commune_id)
            return found[1]
    try:
        model: Model | None = load(latest)
    except (ModelRefused, OSError) as exc:
        # Remembered, so a refused file is not read again on every keystroke.
        log.error("reports.classifier.refused", extra={"commune": commune_id,
                                                       "model": latest.pk, "why": str(exc)})
        model = None
    with _lock:
        _loaded[commune_id] = (key, model)
        _loaded.move_to_end(commune_id)
        while len(_loaded) > CACHE_COMMUNES:
            _loaded.popitem(last=False)
    return model


def ranked(commune: Commune, text: str) -> list[tuple[int, float]]:
    """(category id, probability), most likely first; empty without a model or when no
    word of ``text`` is known to it."""
    model = _model_for(commune.pk)
    if model is None or not text or not text.strip():
        return []
    probabilities = model.probabilities(text[:4000])
    if probabilities is None:
        return []
    order = np.argsort(-probabilities)
    return [(model.classes[i], float(probabilities[i])) for i in order]


def suggest(commune: Commune, text: str) -> Category | None:
    """The commune's active category most likely meant by ``text``, or None when it has no
    model or the best guess is below ``MIN_PROBABILITY``. A suggestion only: the reporter
    (and then the chairman) chooses."""
    for category_id, probability in ranked(commune, text):
        if probability < MIN_PROBABILITY:
            return None
        # A model never names another commune's category: the lookup is by commune too.
        category = Category.objects.filter(pk=category_id, commune=commune,
                                           is_active=True).first()
        if category is not None:
            return category
    return None

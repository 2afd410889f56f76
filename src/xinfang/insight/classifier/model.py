"""The category classifier: two linear views of the text, averaged, with calibrated confidences.

Views (each a one-vs-rest linear SVM with class weights inversely proportional to class size, so
small categories count as much as large ones, which is what macro-F1 rewards):

1. **words** (jieba's search-engine mode: the words and the shorter words inside long ones; the
   title counted twice): TF-IDF with sublinear tf, then, per class, the NB-SVM
   scaling of Wang & Manning (2012): every word's weight multiplied by its log-count ratio (how much
   more often the word occurs in that class's texts than in the others'), and a binary linear SVM
   per class on the scaled features;
2. **characters** (1- to 3-grams of the same text, title twice; no segmentation errors, robust to
   new words and typos): hashed into 2^21 buckets (no vocabulary held in memory or stored; since
   format 4 by `ngrams`, numpy over the text's code points, not one Python string per n-gram), the
   buckets seen in at least two texts kept, TF-IDF with sublinear tf, a multi-class linear SVM.

Each view's decision values are divided by their spread on the training texts and the two are
added (`decision_function`). Confidences (`predict_proba`) are a softmax of those summed values
with one temperature, fitted on out-of-fold decision values of an inner cross-validation at
training time (minimum log-loss), so that "0.8" means right about 80% of the time.
Training on 5,000 texts takes seconds on one core.

Reading: the word view segments the title and the first `WORD_CHARS` characters of the content, the
character view reads the title and the first `CHAR_CHARS` (the same at training and prediction; jieba's
cost grows with the length, and the caps left grouped-CV macro-F1 unchanged: 0.9108 against 0.911 with
1,000 word characters; 500 since format 4: 0.9095/0.9123 at fold seeds 0/1, format 3 0.9108/0.9107).
jieba is then ~95% of a long text's time, ~1.5 ms for 500 characters.
One text (a suggestion) is scored by `_one_decision` on its own terms: its words' and buckets' idf and
coefficient rows only, with the coefficients held transposed and contiguous (a sparse product against
the stored 7 x 1M character coefficients' transpose made scipy copy 28 MB per call), and no sklearn
transform (whose input validation cost more than the arithmetic); it gives the batch path's values.
Format 4 (numpy n-gram buckets, 500 word characters); a format-3 version still loads and hashes with
sklearn's HashingVectorizer, a format-2 version also reads whole texts, each as it was trained.
"""

from __future__ import annotations

import io

import joblib
import numpy as np
from scipy import sparse
from scipy.optimize import minimize_scalar
from scipy.special import log_softmax, softmax
from sklearn.feature_extraction import FeatureHasher
from sklearn.feature_extraction.text import HashingVectorizer, TfidfTransformer, TfidfVectorizer
from sklearn.model_selection import StratifiedKFold
from sklearn.svm import LinearSVC

from . import ngrams
from .text import words

FORMAT = 4  # bumped when a stored model can no longer be read by older code (3: the content read is capped;
# 4: the character n-grams hashed by `ngrams`)
READABLE = (2, 3, 4)  # a format-2 version has no caps: it reads whole texts, as it was trained; formats 2
# and 3 hash their n-grams with sklearn's HashingVectorizer, as they were trained
WORD_CHARS = 500  # the content characters the word view segments (jieba costs ~linear time per character)
CHAR_CHARS = 3000  # the content characters the character view reads
FAST_ROWS = 4  # up to this many texts are scored one by one on their own terms (`_one_decision`)
CHAR_BUCKETS = 1 << 21  # hashed character n-grams (about 1M distinct in 5,000 texts: few collisions)


def _identity(tokens):  # analyzer of pre-tokenised documents (module level: picklable)
    return tokens


class TextClassifier:
    """fit(titles, contents, labels); predict_proba(titles, contents) -> (n, classes) array."""

    def __init__(self, *, word_c: float = 0.5, char_c: float = 1.0, char_ngrams: tuple[int, int] = (1, 3),
                 char_min_df: int = 2, nb_alpha: float = 1.0, calibration_folds: int = 3, random_state: int = 0,
                 search_words: bool = True, word_chars: int | None = WORD_CHARS,
                 char_chars: int | None = CHAR_CHARS):
        self.word_c = word_c
        self.char_c = char_c
        self.char_ngrams = char_ngrams
        self.char_min_df = char_min_df
        self.nb_alpha = nb_alpha
        self.calibration_folds = calibration_folds
        self.random_state = random_state
        self.search_words = search_words
        self.word_chars = word_chars
        self.char_chars = char_chars
        self.char_hash = "mix64"  # `ngrams.buckets`; absent from a format-2/3 version: sklearn's MurmurHash3
        self.format = FORMAT

    # ---- inputs ----------------------------------------------------------------------------------

    def _word_docs(self, titles, contents):
        """One token list per text, generated (the lists of 5,000 texts are never all held at once)."""
        search = getattr(self, "search_words", False)  # a version stored before the attribute: precise mode
        cap = getattr(self, "word_chars", None)  # a format-2 version: no cap
        for title, content in zip(titles, contents, strict=True):
            tw = words(title, search) if title else []
            yield tw + tw + (words(content[:cap] if cap else content, search) if content else [])

    def _char_docs(self, titles, contents):
        cap = getattr(self, "char_chars", None)
        for t, c in zip(titles, contents, strict=True):
            if cap:
                c = c[:cap]
            yield f"{t} | {t} | {c}" if t else c

    # ---- the two views ---------------------------------------------------------------------------

    def _nb_ratios(self, xw, y_idx) -> np.ndarray:
        """(classes, features) log-count ratios on binarised word features."""
        xb = (xw > 0).astype(np.float64).tocsr()
        total = np.asarray(xb.sum(axis=0)).ravel()
        ratios = np.empty((len(self.classes_), xw.shape[1]))
        for k in range(len(self.classes_)):
            p = np.asarray(xb[y_idx == k].sum(axis=0)).ravel() + self.nb_alpha
            q = total - (p - self.nb_alpha) + self.nb_alpha
            ratios[k] = np.log((p / p.sum()) / (q / q.sum()))
        return ratios

    def _fit_views(self, xw, xc, y_idx):
        ratios = self._nb_ratios(xw, y_idx)
        word_svms = []
        for k in range(len(self.classes_)):
            svm = LinearSVC(C=self.word_c, class_weight="balanced")
            svm.fit(xw.multiply(ratios[k]).tocsr(), (y_idx == k).astype(int))
            word_svms.append((svm.coef_.ravel().astype(np.float32) * ratios[k].astype(np.float32),
                              float(svm.intercept_[0])))
        char_svm = LinearSVC(C=self.char_c, class_weight="balanced").fit(xc, y_idx)
        # the NB scaling folded into the coefficients: one sparse product per view at prediction
        w_coef = np.vstack([c for c, _ in word_svms])
        w_icpt = np.array([i for _, i in word_svms], dtype=np.float32)
        c_coef = char_svm.coef_.astype(np.float32)
        c_icpt = char_svm.intercept_.astype(np.float32)
        if c_coef.shape[0] == 1:  # two classes: LinearSVC answers one column
            c_coef = np.vstack([-c_coef, c_coef])
            c_icpt = np.array([-c_icpt[0], c_icpt[0]], dtype=np.float32)
        return w_coef, w_icpt, c_coef, c_icpt

    @staticmethod
    def _raw(x, coef, icpt, coef_t=None) -> np.ndarray:
        # `coef_t`: coef.T held C-contiguous (features x classes); scipy's sparse x dense product copies
        # a non-contiguous right operand first (coef.T of the 7 x 1M character view: 28 MB per call)
        return np.asarray(x @ (np.ascontiguousarray(coef.T) if coef_t is None else coef_t)) + icpt

    def _transposed(self):
        """The stored views' coefficients transposed and contiguous, made once per process (not pickled)."""
        cached = getattr(self, "_coef_t", None)
        if cached is None or cached[0] is not self.views_:
            w_coef, _wi, c_coef, _ci, _ws, _cs = self.views_
            cached = self._coef_t = (self.views_, np.ascontiguousarray(w_coef.T), np.ascontiguousarray(c_coef.T))
        return cached[1], cached[2]

    def _decision(self, xw, xc, views) -> np.ndarray:
        w_coef, w_icpt, c_coef, c_icpt, w_scale, c_scale = views
        w_t = c_t = None
        if views is getattr(self, "views_", None):
            w_t, c_t = self._transposed()
        return self._raw(xw, w_coef, w_icpt, w_t) / w_scale + self._raw(xc, c_coef, c_icpt, c_t) / c_scale

    def _views_with_scales(self, xw, xc, y_idx):
        w_coef, w_icpt, c_coef, c_icpt = self._fit_views(xw, xc, y_idx)
        w_scale = float(np.std(self._raw(xw, w_coef, w_icpt))) or 1.0
        c_scale = float(np.std(self._raw(xc, c_coef, c_icpt))) or 1.0
        return w_coef, w_icpt, c_coef, c_icpt, w_scale, c_scale

    # ---- fit / predict ---------------------------------------------------------------------------

    def fit(self, titles: list[str], contents: list[str], labels: list[str]) -> TextClassifier:
        labels = [str(label) for label in labels]
        self.classes_ = np.array(sorted(set(labels)))
        if len(self.classes_) < 2:
            raise ValueError("at least two different labels are needed")
        y_idx = np.searchsorted(self.classes_, labels)
        self.word_vectorizer_ = TfidfVectorizer(analyzer=_identity, sublinear_tf=True, dtype=np.float32)
        xw = self.word_vectorizer_.fit_transform(self._word_docs(titles, contents)).tocsr()
        # characters: hashed counts (no vocabulary of every n-gram in memory or in the stored model),
        # the buckets seen in at least `char_min_df` texts kept, then TF-IDF
        counts = self._char_counts(titles, contents)
        df = np.bincount(counts.indices, minlength=CHAR_BUCKETS)
        self.char_columns_ = np.flatnonzero(df >= (self.char_min_df if len(labels) >= 50 else 1)).astype(np.int32)
        del df
        self._remap = None
        self.char_tfidf_ = TfidfTransformer(sublinear_tf=True)
        xc = self.char_tfidf_.fit_transform(self._select(counts)).astype(np.float32).tocsr()
        del counts
        self.views_ = self._views_with_scales(xw, xc, y_idx)
        self.temperature_ = self._fit_temperature(xw, xc, y_idx)
        self._word_names = None
        return self

    def _fit_temperature(self, xw, xc, y_idx) -> float:
        """Softmax temperature minimising the log-loss of out-of-fold decision values."""
        counts = np.bincount(y_idx, minlength=len(self.classes_))
        folds = min(self.calibration_folds, int(counts.min()))
        if folds < 2:
            return 1.0
        oof = np.zeros((len(y_idx), len(self.classes_)))
        splitter = StratifiedKFold(folds, shuffle=True, random_state=self.random_state)
        for train, test in splitter.split(np.zeros(len(y_idx)), y_idx):
            if len(np.unique(y_idx[train])) < len(self.classes_):
                return 1.0
            views = self._views_with_scales(xw[train], xc[train], y_idx[train])
            oof[test] = self._decision(xw[test], xc[test], views)

        def loss(t):
            return -float(np.mean(log_softmax(oof * t, axis=1)[np.arange(len(y_idx)), y_idx]))

        return float(minimize_scalar(loss, bounds=(0.05, 20.0), method="bounded").x)

    def _numpy_hash(self) -> bool:
        return getattr(self, "char_hash", None) == "mix64"

    def _char_counts(self, titles, contents):
        """(texts, CHAR_BUCKETS) hashed n-gram counts, duplicates summed."""
        if self._numpy_hash():
            return ngrams.counts_matrix(self._char_docs(titles, contents), tuple(self.char_ngrams), CHAR_BUCKETS)
        counts = self._char_hasher().transform(self._char_docs(titles, contents))
        counts.sum_duplicates()
        return counts

    def _remap_array(self) -> np.ndarray:
        """Bucket -> kept column (-1: not kept), built once per process (not pickled)."""
        if self._remap is None:
            remap = np.full(CHAR_BUCKETS, -1, dtype=np.int32)
            remap[self.char_columns_] = np.arange(len(self.char_columns_), dtype=np.int32)
            self._remap = remap
        return self._remap

    def _char_hasher(self) -> HashingVectorizer:
        return HashingVectorizer(analyzer="char", ngram_range=tuple(self.char_ngrams), n_features=CHAR_BUCKETS,
                                 alternate_sign=False, norm=None, dtype=np.float32)

    def _select(self, counts):
        """The kept buckets of hashed counts, as columns 0..len(char_columns_)-1."""
        remap = self._remap_array()
        counts = counts.tocsr()
        cols = remap[counts.indices]
        keep = cols >= 0
        rows = np.repeat(np.arange(counts.shape[0], dtype=np.int32), np.diff(counts.indptr))
        return sparse.csr_matrix((counts.data[keep], (rows[keep], cols[keep])),
                                 shape=(counts.shape[0], len(self.char_columns_)), dtype=np.float32)

    def _features(self, titles, contents):
        xw = self.word_vectorizer_.transform(self._word_docs(titles, contents)).tocsr()
        counts = self._char_counts(titles, contents)
        xc = self.char_tfidf_.transform(self._select(counts)).astype(np.float32).tocsr()
        return xw, xc

    def decision_function(self, titles: list[str], contents: list[str]) -> np.ndarray:
        if len(titles) <= FAST_ROWS:  # a suggestion: one text, without sklearn's per-call validation
            return np.vstack([self._one_decision(t, c) for t, c in zip(titles, contents, strict=True)]) \
                if len(titles) else np.zeros((0, len(self.classes_)))
        return self._decision(*self._features(titles, contents), self.views_)

    # ---- one text: the same features as `_features`, computed on the text's own terms only ---------

    def _fast(self):
        """Per-process helpers (not pickled): the word vocabulary, both idf vectors, the n-gram analyzer."""
        fast = getattr(self, "_fast_parts", None)
        if fast is None:
            hasher = self._char_hasher()
            fast = self._fast_parts = {
                "vocab": self.word_vectorizer_.vocabulary_,
                "word_idf": np.asarray(self.word_vectorizer_.idf_, dtype=np.float64),
                "char_idf": np.asarray(self.char_tfidf_.idf_, dtype=np.float64),
                "analyzer": hasher.build_analyzer(),
                "hasher": FeatureHasher(n_features=CHAR_BUCKETS, input_type="string", alternate_sign=False,
                                        dtype=np.float32),
            }
        return fast

    @staticmethod
    def _tfidf_row(columns: np.ndarray, idf: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Distinct columns and their l2-normalised sublinear-tf x idf weights (TfidfTransformer's sums)."""
        if not len(columns):
            return columns, np.zeros(0)
        cols, counts = np.unique(columns, return_counts=True)
        data = (np.log(counts) + 1.0) * idf[cols]
        return cols, data / np.sqrt(np.dot(data, data))

    def _one_words(self, title: str, content: str) -> tuple[np.ndarray, np.ndarray]:
        fast = self._fast()
        vocab = fast["vocab"]
        found = [vocab[w] for w in next(self._word_docs([title], [content])) if w in vocab]
        return self._tfidf_row(np.array(found, dtype=np.int64), fast["word_idf"])

    def _one_decision(self, title: str, content: str) -> np.ndarray:
        fast = self._fast()
        _wc, w_icpt, _cc, c_icpt, w_scale, c_scale = self.views_
        w_t, c_t = self._transposed()
        w_cols, w_data = self._one_words(title, content)
        remap = self._remap_array()
        doc = next(self._char_docs([title], [content]))
        if self._numpy_hash():  # every n-gram occurrence's bucket, in arrays
            cols = remap[ngrams.buckets(doc, tuple(self.char_ngrams), CHAR_BUCKETS)]
            cols = cols[cols >= 0]
        else:
            hashed = fast["hasher"].transform([fast["analyzer"](doc)])
            cols = remap[hashed.indices]
            cols = np.repeat(cols[cols >= 0], hashed.data[cols >= 0].astype(np.int64))
        c_cols, c_data = self._tfidf_row(cols, fast["char_idf"])
        words_part = w_data.astype(np.float32) @ w_t[w_cols] + w_icpt
        chars_part = c_data.astype(np.float32) @ c_t[c_cols] + c_icpt
        return words_part / w_scale + chars_part / c_scale

    def predict_proba(self, titles: list[str], contents: list[str]) -> np.ndarray:
        return softmax(self.decision_function(titles, contents) * self.temperature_, axis=1)

    def predict(self, titles: list[str], contents: list[str]) -> np.ndarray:
        return self.classes_[self.decision_function(titles, contents).argmax(axis=1)]

    def explain(self, title: str, content: str, label: str, limit: int = 5) -> tuple[str, ...]:
        """The words of the text that push it most towards `label` (word view; two characters or more)."""
        if label not in self.classes_:
            return ()
        k = int(np.searchsorted(self.classes_, label))
        if self._word_names is None:
            self._word_names = self.word_vectorizer_.get_feature_names_out()
        cols, data = self._one_words(title, content)
        contrib = data * self._transposed()[0][cols, k]
        order = np.argsort(-contrib)
        out = []
        for i in order:
            if contrib[i] <= 0 or len(out) >= limit:
                break
            word = str(self._word_names[cols[i]])
            if len(word) >= 2 and not word.isdigit():
                out.append(word)
        return tuple(out)

    def __getstate__(self):
        state = dict(self.__dict__)
        state["_word_names"] = None  # rebuilt on first use
        state["_remap"] = None
        state.pop("_coef_t", None)
        state.pop("_fast_parts", None)
        return state


def dumps(classifier: TextClassifier) -> bytes:
    buffer = io.BytesIO()
    joblib.dump(classifier, buffer, compress=3)
    return buffer.getvalue()


def loads(blob: bytes) -> TextClassifier:
    classifier = joblib.load(io.BytesIO(blob))
    if not isinstance(classifier, TextClassifier) or getattr(classifier, "format", None) not in READABLE:
        raise ValueError("not a classifier this version can read")
    return classifier


"""Name and address normalisation for the rent register, and the name comparison rule.

A name is reduced to a *key* (vectorised with Arrow): lower case; the Danish letters spelled as their
two-letter forms (å → aa, æ → ae, ø → oe), so Søren/Soeren, Åse/Aase and Kjær/Kjaer give the same
key; other accents dropped (René → rene, Müller → muller); hyphens, dots, apostrophes and anything
else that is not a letter turned into spaces (Møller-Hansen → moeller hansen); runs of spaces
collapsed. Addresses likewise, keeping digits and dropping spaces ('Bøgevej 3, 2. th' → boegevej32th).

Two keys *match* (`compare`) when the tokens of the shorter name can each be paired with a different
token of the longer one such that
  - each pair is equal, or one token is the other's initial, or within a small edit distance
    (OSA: substitution, insertion, deletion, transposition of neighbours = one edit each):
    1 edit for tokens up to 7 letters, 2 for longer ones;
  - the edits add up to at most 2 over the whole name;
  - at least two tokens are paired (a surname alone never identifies anyone), at most two tokens of
    the longer name are left over (omitted middle names), and the registered name's last token (the
    surname) is one of the paired ones;
  - when the registered first name is left out (someone known by a middle name), no edits at all.
Word order is free (a middle name moved in front of or after the surname), and a double surname may
be written joined, hyphenated or with a space. When the rule fails on the keys it is tried on two
other spellings: Danish letters contracted back to one letter each (so a typo in æ costs one edit:
Bææk/Bæk), and runs of a repeated letter cut to one (Gittte/Gitte) at the cost of one edit.

The score (0–100) of a matching pair is 100 − 10 per edit − 5 per omitted token − 3 per initial −
2 when the order differs; it is at least `MATCH_FLOOR` (70). A pair that does not match scores below
that: `rapidfuzz` token-set similarity, capped at 69. So "score ≥ 70" and "matches" say the same.

`compare_many` applies the rule to many pairs: equal keys vectorised, then a vectorised screen that
no matching pair can fail (`_screen`: the registered surname must lie within 2 edits of one of the
applicant's tokens, in any spelling tried), and the token-by-token rule only on what passes.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

MATCH_FLOOR = 70  # every matching pair scores at least this; non-matching pairs at most MATCH_FLOOR - 1
MAX_TOTAL_EDITS = 2
MAX_OMITTED_TOKENS = 2

_REPLACE = (("å", "aa"), ("æ", "ae"), ("ø", "oe"), ("ß", "ss"), ("ł", "l"), ("đ", "d"), ("ð", "d"), ("þ", "th"),
            ("ı", "i"), ("œ", "oe"), ("ŀ", "l"))
_DOUBLE = re.compile(r"(.)\1+")
DOUBLED_LETTER_PENALTY = 10


def _fold(values: pa.Array) -> pa.Array:
    """Lower case, Danish letters as two letters, other accents dropped (vectorised, Arrow)."""
    x = pc.utf8_lower(pc.utf8_normalize(values, "NFC"))
    for old, new in _REPLACE:
        x = pc.replace_substring(x, old, new)
    return pc.replace_substring_regex(pc.utf8_normalize(x, "NFKD"), r"\p{Mn}", "")


def _as_arrow(values) -> pa.Array:
    if isinstance(values, pa.ChunkedArray):
        return values.combine_chunks()
    if isinstance(values, pa.Array):
        return values
    if isinstance(values, pd.Series):
        values = values.to_numpy(dtype=object, na_value=None)
    arr = np.asarray(values, dtype=object)
    if not arr.size:
        return pa.array([], pa.string())
    return pa.array([v if isinstance(v, str) else None for v in arr], type=pa.string())


def normalise_names(values) -> np.ndarray:
    """The comparison key of every name (object array of str; '' for a missing name)."""
    x = _fold(_as_arrow(values))
    x = pc.utf8_trim_whitespace(pc.replace_substring_regex(x, r"[^a-z]+", " "))
    return np.asarray(pc.fill_null(x, "").to_numpy(zero_copy_only=False), dtype=object)


def normalise_addresses(values) -> np.ndarray:
    """Street, number, floor and door as one compact key: 'Bøgevej 3, 2. th' -> 'boegevej32th'."""
    x = pc.replace_substring_regex(_fold(_as_arrow(values)), r"\bstuen\b", "st")
    x = pc.replace_substring_regex(x, r"[^a-z0-9]+", "")
    return np.asarray(pc.fill_null(x, "").to_numpy(zero_copy_only=False), dtype=object)


def normalise_name(text: object) -> str:
    """The comparison key of one name ('' for a missing name)."""
    return str(normalise_names([text])[0])


def normalise_address(text: object) -> str:
    return str(normalise_addresses([text])[0])


def _token_tolerance(a: str, b: str) -> int:
    return 1 if max(len(a), len(b)) <= 7 else 2


def compare(a: str, r: str) -> tuple[bool, int]:
    """Does applicant key `a` match registered key `r`? Returns (matches, score 0-100)."""
    if not a or not r:
        return False, 0
    ok, score = _compare(a, r)
    if ok:
        return True, score
    for x, y, penalty in _other_spellings(a, r):
        ok, other = _compare(x, y)
        if ok and other - penalty >= MATCH_FLOOR:
            return True, other - penalty
    return False, score


def _contract(key: str) -> str:
    """Danish letters back as one letter each, so a typo in one of them is one edit (Bææk/Bæk)."""
    return key.replace("aa", "å").replace("ae", "æ").replace("oe", "ø")


def _other_spellings(a: str, r: str):
    """(a', r', penalty) to try when the keys themselves do not match: Danish letters as one letter;
    doubled letters cut to one (Gittte/Gitte, Mete/Mette: one edit whatever their number)."""
    ka, kr = _contract(a), _contract(r)
    if (ka, kr) != (a, r):
        yield ka, kr, 0
    seen = {(a, r), (ka, kr)}
    for x, y in ((a, r), (ka, kr)):
        cx, cy = _DOUBLE.sub(r"\1", x), _DOUBLE.sub(r"\1", y)
        if (cx, cy) not in seen:
            seen.add((cx, cy))
            yield cx, cy, DOUBLED_LETTER_PENALTY


def _compare(a: str, r: str) -> tuple[bool, int]:
    if a == r:
        return True, 100
    A, R = a.split(), r.split()
    if len(A) >= 2 and len(R) >= 2 and sorted(A) == sorted(R):
        return True, 98
    if a.replace(" ", "") == r.replace(" ", "") and max(len(A), len(R)) >= 2:
        return True, 97  # a double surname joined / split
    ok, score = _align(A, R)
    if not ok and (len(A) >= 3 or len(R) >= 3):
        # a double surname written joined on one side: try the other side's last two tokens joined
        A2 = A[:-2] + [A[-2] + A[-1]] if len(A) >= 3 else A
        R2 = R[:-2] + [R[-2] + R[-1]] if len(R) >= 3 else R
        for x, y in ((A2, R), (A, R2)):
            if (x, y) != (A, R):
                ok2, score2 = _align(x, y)
                if ok2:
                    return True, max(MATCH_FLOOR, score2 - 3)
    if ok:
        return True, score
    return False, int(min(MATCH_FLOOR - 1, round(fuzz.token_set_ratio(a, r))))


def _align(A: list[str], R: list[str]) -> tuple[bool, int]:
    """Pair every token of the shorter name with a distinct token of the longer (see module doc)."""
    applicant_shorter = len(A) <= len(R)
    S, L = (A, R) if applicant_shorter else (R, A)
    if len(S) < 2 or len(L) - len(S) > MAX_OMITTED_TOKENS:
        return False, 0
    cost = _pairing_costs(S, L)
    if cost is None:
        return False, 0
    surname = len(L) - 1 if applicant_shorter else None  # index of R's last token in L
    best = _best_pairing(cost, len(L), surname)
    if best is None or best < MATCH_FLOOR:
        return False, 0
    return True, int(best)


def _pairing_costs(S: list[str], L: list[str]) -> list[list[tuple[int, int] | None]] | None:
    """cost[i][j] of pairing S[i] with L[j]: (edits, initials), or None when not allowed; None for
    the whole when a token of S pairs with nothing (early exit)."""
    cost: list[list[tuple[int, int] | None]] = []
    for s in S:
        row = []
        for t in L:
            if s == t:
                row.append((0, 0))
            elif (len(s) == 1 and t[0] == s) or (len(t) == 1 and s[0] == t):
                row.append((0, 1))  # an initial
            else:
                d = OSA.distance(s, t, score_cutoff=2)
                row.append((d, 0) if d <= _token_tolerance(s, t) else None)
        if all(c is None for c in row):
            return None
        cost.append(row)
    return cost


def _best_pairing(cost: list[list[tuple[int, int] | None]], n_long: int, surname: int | None) -> int | None:
    """The best score over every way of pairing the shorter name's tokens with distinct tokens of the
    longer; None when no pairing keeps the rules. The inner loop stays inline: it is the hot path."""
    best = None
    for perm in itertools.permutations(range(n_long), len(cost)):
        edits = initials = 0
        for i, j in enumerate(perm):
            c = cost[i][j]
            if c is None:
                break
            edits += c[0]
            initials += c[1]
        else:
            score = _pairing_score(perm, edits, initials, n_long, surname)
            if score is not None and (best is None or score > best):
                best = score
    return best


def _pairing_score(perm: tuple[int, ...], edits: int, initials: int, n_long: int, surname: int | None) -> int | None:
    """The score of pairing S[i] with L[perm[i]], or None when that breaks a rule of the module doc."""
    if edits > MAX_TOTAL_EDITS or initials >= len(perm):
        return None
    if surname is not None and surname not in perm:
        return None
    if surname is not None and 0 not in perm and (edits or initials):
        return None  # known by a middle name (registered first name left out): spelt exactly only
    reordered = any(perm[k] > perm[k + 1] for k in range(len(perm) - 1))
    return 100 - 10 * edits - 5 * (n_long - len(perm)) - 3 * initials - 2 * reordered


class _Spellings:
    """Per distinct token: the token, Danish letters contracted, and each with doubled letters cut."""

    def __init__(self):
        self.cache: dict[str, tuple[str, str, str, str]] = {}

    def of(self, t: str) -> tuple[str, str, str, str]:
        v = self.cache.get(t)
        if v is None:
            k = _contract(t)
            v = self.cache[t] = (t, _DOUBLE.sub(r"\1", t), k, _DOUBLE.sub(r"\1", k))
        return v


@dataclass
class _KeyForms:
    """Per distinct key (as `_Forms.of_keys` numbers them): its forms as a ragged array (ids[starts[k]:
    starts[k] + counts[k]]), whether a token is an initial, and the key without spaces per spelling."""

    ids: np.ndarray
    counts: np.ndarray
    starts: np.ndarray
    initial: np.ndarray
    nospace: list[np.ndarray]


class _Forms:
    """Every spelling form `_screen` compares, numbered once, so each distinct pair of forms is
    measured once however many name pairs share it."""

    def __init__(self):
        self.form_id: dict[str, int] = {}
        self.forms: list[str] = []
        self.sp = _Spellings()

    def number(self, form: str) -> int:
        fid = self.form_id.get(form)
        if fid is None:
            fid = self.form_id[form] = len(self.forms)
            self.forms.append(form)
        return fid

    def of_keys(self, keys, surname_only: bool) -> _KeyForms:
        """The forms of every key: of every token (only the surname when `surname_only`), and of the
        last two tokens joined, in each spelling `compare` tries."""
        owner, ids = [], []
        flag = np.zeros(len(keys), bool)
        nospace = [[], [], [], []]  # per spelling variant: the key without spaces
        for i, k in enumerate(keys):
            var = [self.sp.of(t) for t in k.split()]
            flag[i] = any(len(v[0]) == 1 or len(v[3]) == 1 for v in var)
            for j in range(4):
                nospace[j].append("".join(v[j] for v in var))
            for f in set(self._candidates(var, surname_only)):
                owner.append(i)
                ids.append(self.number(f))
        owner, ids = np.asarray(owner, np.int64), np.asarray(ids, np.int64)
        counts = np.bincount(owner, minlength=len(keys))
        starts = np.r_[0, np.cumsum(counts)[:-1]]
        return _KeyForms(ids, counts, starts, flag, [np.array(x, dtype=object) for x in nospace])

    def _candidates(self, var: list[tuple[str, str, str, str]], surname_only: bool) -> list[str]:
        if not var:
            return []
        cand = list(var[-1]) if surname_only else [x for v in var for x in v]
        if len(var) >= 2:  # a double surname written joined
            for j in range(4):
                cand += self.sp.of(var[-2][j] + var[-1][j])
        return cand


def _screen(a: np.ndarray, r: np.ndarray, chunk: int = 250_000) -> np.ndarray:
    """A necessary condition for `compare(a, r)` to match, vectorised: the registered surname (or its
    last two tokens joined), in any of the spellings `compare` tries, lies within 2 edits of one of
    the applicant's tokens (or last two joined) in those spellings; or a token is an initial; or the
    keys are equal without spaces. Pairs failing it cannot match, so they are not compared token by
    token (tests/matching/test_names.py checks the claim)."""
    a_codes, a_uni = pd.factorize(a)
    r_codes, r_uni = pd.factorize(r)
    forms = _Forms()
    af = forms.of_keys(a_uni, surname_only=False)
    rf = forms.of_keys(r_uni, surname_only=True)
    out = np.zeros(a.size, bool)
    out |= af.initial[a_codes] | rf.initial[r_codes]
    for na_, nr_ in zip(af.nospace, rf.nospace, strict=True):
        out |= (na_[a_codes] == nr_[r_codes]) & (na_[a_codes] != "")
    forms_arr = np.array(forms.forms, dtype=object)
    for lo in range(0, a.size, chunk):  # chunks bound the memory of the (pair, form, form) expansion
        idx = np.arange(lo, min(a.size, lo + chunk))
        out[_close_pairs(idx, a_codes, r_codes, af, rf, forms_arr)] = True
    return out


def _close_pairs(idx: np.ndarray, a_codes: np.ndarray, r_codes: np.ndarray, af: _KeyForms, rf: _KeyForms,
                 forms_arr: np.ndarray) -> np.ndarray:
    """The pairs of `idx` with an applicant form within 2 edits of a registered surname form."""
    ac, rc = a_codes[idx], r_codes[idx]
    # every (pair, applicant form, registered surname form)
    na, nr = af.counts[ac], rf.counts[rc]
    reps = na * nr
    pair = np.repeat(idx, reps)
    if pair.size == 0:
        return pair
    offs = np.arange(pair.size) - np.repeat(np.cumsum(reps) - reps, reps)
    nr_rep = np.repeat(nr, reps)
    fa = af.ids[np.repeat(af.starts[ac], reps) + offs // np.maximum(nr_rep, 1)]
    fr = rf.ids[np.repeat(rf.starts[rc], reps) + offs % np.maximum(nr_rep, 1)]
    nf = max(len(forms_arr), 1)
    codes, uniq = pd.factorize(fa * nf + fr)
    d = process.cpdist(forms_arr[uniq // nf], forms_arr[uniq % nf], scorer=OSA.distance, score_cutoff=2, workers=-1)
    return pair[(d <= 2)[codes]]


def compare_many(a_keys, r_keys, scores: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """`compare` for aligned arrays of keys: (matches bool[], score int64[]).

    Equal keys are settled vectorised; the rest are screened (`_screen`, C++ on all cores) and only
    pairs that could match are compared token by token in Python. With `scores=False` a pair that
    does not match scores 0 instead of its token-set similarity (saves time where it is not shown).
    """
    a = np.asarray(a_keys, dtype=object)
    r = np.asarray(r_keys, dtype=object)
    n = a.size
    ok = np.zeros(n, dtype=bool)
    score = np.zeros(n, dtype=np.int64)
    if n == 0:
        return ok, score
    equal = (a == r) & (a != "")
    ok[equal] = True
    score[equal] = 100
    rest = np.flatnonzero(~equal)
    if rest.size:
        if scores:
            similarity = process.cpdist(list(a[rest]), list(r[rest]), scorer=fuzz.token_set_ratio, workers=-1)
            score[rest] = np.minimum(MATCH_FLOOR - 1, np.round(similarity)).astype(np.int64)
        look = rest[_screen(a[rest], r[rest])]
        for i in look:
            m, s_ = compare(a[i], r[i])
            ok[i] = m
            if m or scores:
                score[i] = s_
    return ok, score

"""A pool of synthetic persons: birth date, sex, name parts and a CPR number consistent with both.

CPR = DDMMYY of the birth date, a hyphen and four digits; the first of these encodes the century as
in the real scheme (0-3 for 1900-1999, 4-9 for 2000-2036), the last is odd for men, even for women.
The numbers are synthetic and unique in the pool. They are personal data all the same: nothing here
prints them.
"""

from __future__ import annotations

import numpy as np

from boligstoette.synth import fmt, names


def _zipf_weights(n: int, s: float = 0.9) -> np.ndarray:
    w = 1.0 / np.arange(1, n + 1) ** s
    return w / w.sum()


class People:
    def __init__(self, rng: np.random.Generator):
        self.rng = rng
        self._birth: list[np.ndarray] = []
        self._male: list[np.ndarray] = []
        self._first: list[np.ndarray] = []
        self._middle: list[np.ndarray] = []
        self._last: list[np.ndarray] = []
        self.n = 0
        self._finalised = False
        dk_last = np.array(names.SURNAMES)
        self._dk_last, self._dk_last_p = dk_last, _zipf_weights(len(dk_last), 0.8)
        self._other_last = np.array(names.OTHER_SURNAMES)
        self._first_m = np.array(names.MALE_FIRST)
        self._first_f = np.array(names.FEMALE_FIRST)
        self._other_m = np.array(names.OTHER_FIRST_M)
        self._other_f = np.array(names.OTHER_FIRST_F)
        middle = np.array(names.MIDDLE)
        self._middle_f = middle[[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 27, 28, 29]]
        self._middle_m = middle[np.arange(6, 29)]

    def surname(self, n: int, other: np.ndarray) -> np.ndarray:
        rng = self.rng
        dk = self._dk_last[rng.choice(len(self._dk_last), n, p=self._dk_last_p)]
        ot = self._other_last[rng.integers(0, len(self._other_last), n)]
        last = np.where(other, ot, dk)
        double = (~other) & (rng.random(n) < 0.08)
        second = self._dk_last[rng.choice(len(self._dk_last), n, p=self._dk_last_p)]
        sep = np.where(rng.random(n) < 0.5, "-", " ")
        doubled = np.strings.add(np.strings.add(last, sep), second)
        return np.where(double & (second != last), doubled, last)

    def add(self, birth: np.ndarray, male: np.ndarray | None = None, last: np.ndarray | None = None,
            other: np.ndarray | None = None) -> np.ndarray:
        """Add persons; returns their indices. `last` inherits a surname ('' = draw one)."""
        if self._finalised:
            raise RuntimeError("pool already finalised")
        rng = self.rng
        birth = np.asarray(birth, dtype="datetime64[D]")
        n = len(birth)
        male = rng.random(n) < 0.5 if male is None else np.asarray(male, dtype=bool)
        other = rng.random(n) < 0.11 if other is None else np.asarray(other, dtype=bool)
        first = np.where(
            male,
            np.where(other, self._other_m[rng.integers(0, len(self._other_m), n)],
                     self._first_m[rng.integers(0, len(self._first_m), n)]),
            np.where(other, self._other_f[rng.integers(0, len(self._other_f), n)],
                     self._first_f[rng.integers(0, len(self._first_f), n)]),
        )
        has_middle = (~other) & (rng.random(n) < 0.35)
        middle = np.where(male, self._middle_m[rng.integers(0, len(self._middle_m), n)],
                          self._middle_f[rng.integers(0, len(self._middle_f), n)])
        middle = np.where(has_middle & (middle != first), middle, "")
        drawn = self.surname(n, other)
        if last is not None:
            last = np.asarray(last)
            drawn = np.where(last != "", last, drawn)
        self._birth.append(birth)
        self._male.append(male)
        self._first.append(first.astype(object))
        self._middle.append(middle.astype(object))
        self._last.append(drawn.astype(object))
        idx = np.arange(self.n, self.n + n)
        self.n += n
        return idx

    def male_of(self, idx: np.ndarray) -> np.ndarray:
        return np.concatenate(self._male)[idx]

    def last_of(self, idx: np.ndarray) -> np.ndarray:
        return np.concatenate(self._last)[idx].astype(str)

    def finalise(self) -> None:
        """Concatenate, build full names and unique CPR numbers."""
        self._finalised = True
        self.birth = np.concatenate(self._birth) if self._birth else np.zeros(0, "datetime64[D]")
        self.male = np.concatenate(self._male) if self._male else np.zeros(0, bool)
        self.first = np.concatenate(self._first).astype(str)
        self.middle = np.concatenate(self._middle).astype(str)
        self.last = np.concatenate(self._last).astype(str)
        with_middle = np.strings.add(np.strings.add(self.first, " "), np.strings.add(self.middle, " "))
        without = np.strings.add(self.first, " ")
        self.full_name = np.strings.add(np.where(self.middle != "", with_middle, without), self.last)
        self.cpr = self._make_cpr()

    def _serials(self, idx: np.ndarray) -> np.ndarray:
        rng = self.rng
        year = fmt.ymd(self.birth[idx])[0]
        n = len(idx)
        first_digit = np.where(year < 2000, rng.integers(0, 4, n), rng.integers(4, 10, n))
        middle = rng.integers(0, 100, n)
        last = rng.integers(0, 5, n) * 2 + self.male[idx].astype(np.int64)  # odd = man
        return first_digit * 1000 + middle * 10 + last

    def _make_cpr(self) -> np.ndarray:
        n = self.n
        serial = self._serials(np.arange(n))
        days = self.birth.astype(np.int64)
        for _ in range(100):
            key = days * 10000 + serial
            order = np.argsort(key, kind="stable")
            dup_sorted = np.zeros(n, dtype=bool)
            dup_sorted[1:] = key[order][1:] == key[order][:-1]
            dups = order[dup_sorted]
            if dups.size == 0:
                break
            serial[dups] = self._serials(dups)
        else:  # pragma: no cover - 10,000 serials per day and sex are plenty
            raise RuntimeError("could not make CPR numbers unique")
        y, m, d = fmt.ymd(self.birth)
        ddmmyy = np.strings.add(np.strings.add(np.strings.zfill(d.astype(str), 2), np.strings.zfill(m.astype(str), 2)),
                                np.strings.zfill((y % 100).astype(str), 2))
        return np.strings.add(np.strings.add(ddmmyy, "-"), np.strings.zfill(serial.astype(str), 4))

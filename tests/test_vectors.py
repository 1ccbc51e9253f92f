"""boligstoette.vectors.is_in: what pandas' isin answers, without its cost on Arrow strings."""

import numpy as np
import pandas as pd

from boligstoette.vectors import is_in


def test_is_in_answers_as_isin_does():
    values = pd.Series(["a", "b", None, "c", "a"], dtype="str")
    among = pd.Series(["c", "a", "a"], dtype="str")
    assert is_in(values, among).tolist() == [True, False, False, True, True]
    assert is_in(values, among).tolist() == values.isin(among).tolist()


def test_is_in_takes_an_index_a_list_a_set_and_numbers():
    assert is_in(pd.Index(["x", "a"]), {"a"}).tolist() == [False, True]
    assert is_in(pd.Series(["x"], dtype=object), pd.Index(["x"], dtype="str")).tolist() == [True]
    assert is_in(pd.Series([1, 2, 3]), [2]).tolist() == [False, True, False]


def test_nothing_is_among_nothing_and_nothing_is_in_anything():
    assert is_in(pd.Series(["a"], dtype="str"), []).tolist() == [False]
    assert is_in(pd.Series([], dtype="str"), ["a"]).dtype == np.dtype(bool)

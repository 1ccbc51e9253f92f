"""The benefit rules as code: pure Python (pandas/numpy/pyarrow), no Dagster import.

Public API::

    calculate(df) -> DataFrame            exact results (øre ints, whole kroner), calc.md rows
    to_contract_frame(result)             the same formatted as calc.md output (two decimals)
    explain_household(df, case_id)        list[Step]: the ordered calculation trail
    render_trail(steps)                   the trail as text (``boligstoette explain``)
    default_rate_book().for_year(y, b)    the validated rates of a year and benefit

Layout (paragraph -> module): docs/rules.md.
"""

from .calc import Computation, calculate, compute, result_frame, to_contract_frame
from .explain import RateUse, Step, explain_household, explain_rows, render_trail
from .limits import BINDING_NAMES
from .parse import InputError, parse_households
from .rates import RateBook, RatesError, RatesNotFound, default_rate_book, load_rate_book

__all__ = [
    "BINDING_NAMES", "Computation", "InputError", "RateBook", "RateUse", "RatesError", "RatesNotFound",
    "Step", "calculate", "compute", "default_rate_book", "explain_household", "explain_rows",
    "load_rate_book", "parse_households", "render_trail", "result_frame", "to_contract_frame",
]

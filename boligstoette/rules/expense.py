"""Housing expense (boligudgift), §§ 9-14: per-m² items, area limit, maximum expense.

Every function is vectorised over the parsed households frame ``h`` (see parse.py) and reads
the rates of each row's year and benefit from ``r`` (:class:`~boligstoette.rules.rates.RowRates`).
Amounts are int64 øre; areas int64 hundredths of a m². Order (RULES.md § 3.4): per-m² items
on the full area → area scaling (§ 12) → maximum (§ 14).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .rates import BOLIGYDELSE, RowRates
from .rounding import AREA_SCALE, ORE_PER_KRONE, SHARE_SCALE, div_round_half_up, round_to_multiple


def _col(h: pd.DataFrame, name: str) -> np.ndarray:
    return h[name].to_numpy()


def annual_rent(h: pd.DataFrame) -> np.ndarray:
    """Annual rent = 12 × monthly rent (§§ 9-10: the expense starts from the year's rent)."""
    return 12 * _col(h, "rent_monthly_ore")


def per_m2_amount(h: pd.DataFrame, rate_ore_per_m2) -> np.ndarray:
    """A per-m² standard amount × the gross area, rounded half up to the øre (§ 10, § 77)."""
    return div_round_half_up(rate_ore_per_m2 * _col(h, "area_m2_x100"), np.int64(AREA_SCALE))


def heating_deduction(h: pd.DataFrame, r: RowRates) -> np.ndarray:
    """§ 10 stk. 2: heating is part of the rent → deduct the per-m² heating amount."""
    return np.where(_col(h, "heating_in_rent"), per_m2_amount(h, r["deduction_heating_m2"]), 0)


def hot_water_deduction(h: pd.DataFrame, r: RowRates) -> np.ndarray:
    """§ 10 stk. 2: hot water is part of the rent → deduct the per-m² hot-water amount."""
    return np.where(_col(h, "hot_water_in_rent"), per_m2_amount(h, r["deduction_hot_water_m2"]), 0)


def electricity_deduction(h: pd.DataFrame, r: RowRates) -> np.ndarray:
    """§ 10 stk. 2: electricity is part of the rent → deduct the per-m² electricity amount."""
    return np.where(_col(h, "electricity_in_rent"), per_m2_amount(h, r["deduction_electricity_m2"]), 0)


def water_supplement(h: pd.DataFrame, r: RowRates) -> np.ndarray:
    """§ 10 stk. 3: water charge paid outside the rent → add the per-m² water amount."""
    return np.where(_col(h, "water_paid_separately"), per_m2_amount(h, r["supplement_water_m2"]), 0)


def drainage_supplement(h: pd.DataFrame, r: RowRates) -> np.ndarray:
    """§ 10 stk. 3: drainage charge paid outside the rent → add the per-m² drainage amount."""
    return np.where(_col(h, "drainage_paid_separately"), per_m2_amount(h, r["supplement_drainage_m2"]), 0)


def maintenance_supplement(h: pd.DataFrame, r: RowRates) -> np.ndarray:
    """§ 10 stk. 4: the tenant's inside maintenance duty → add the full or partial per-m² amount."""
    code = _col(h, "maintenance_code")
    full = per_m2_amount(h, r["supplement_maintenance_full_m2"])
    partial = per_m2_amount(h, r["supplement_maintenance_partial_m2"])
    return np.select([code == 2, code == 1], [full, partial], 0).astype(np.int64)


def heating_supplement(h: pd.DataFrame, r: RowRates) -> np.ndarray:
    """§ 10 stk. 5: heating paid separately (on account / to a supplier) → add varmetillæg per m².

    Trigger is ``heating_paid_separately`` alone; which heating forms qualify is an open point
    (RULES.md § 10, docs/rules.md D-5).
    """
    return np.where(_col(h, "heating_paid_separately"), per_m2_amount(h, r["supplement_heating_m2"]), 0)


DEDUCTIONS = {
    "deduction_heating": heating_deduction,
    "deduction_hot_water": hot_water_deduction,
    "deduction_electricity": electricity_deduction,
}
SUPPLEMENTS = {
    "supplement_water": water_supplement,
    "supplement_drainage": drainage_supplement,
    "supplement_maintenance": maintenance_supplement,
    "supplement_heating": heating_supplement,
}


def housing_expense_items(h: pd.DataFrame, r: RowRates) -> dict[str, np.ndarray]:
    """§§ 9-10: the annual rent and every per-m² item on the full area (each rounded to the øre)."""
    items = {"rent_annual": annual_rent(h)}
    for name, fn in DEDUCTIONS.items():
        items[name] = fn(h, r).astype(np.int64)
    for name, fn in SUPPLEMENTS.items():
        items[name] = fn(h, r).astype(np.int64)
    return items


def housing_expense(items: dict[str, np.ndarray]) -> np.ndarray:
    """§ 10: annual rent − per-m² deductions + per-m² supplements, never below 0 (D-11).

    ``items`` is :func:`housing_expense_items`' result.
    """
    total = items["rent_annual"].copy()
    for name in DEDUCTIONS:
        total -= items[name]
    for name in SUPPLEMENTS:
        total += items[name]
    return np.maximum(total, 0)


def area_limit(h: pd.DataFrame, r: RowRates) -> np.ndarray:
    """§ 12: the area the expense counts for, in hundredths of a m².

    65 m² for the first person + 20 m² per further member (children included) + 10 m² if a
    member is severely mobility impaired and the dwelling suits it.
    """
    persons = _col(h, "persons")
    return (r["area_first_person_m2"] + r["area_per_extra_person_m2"] * (persons - 1)
            + r["area_mobility_extra_m2"] * _col(h, "mobility_impaired"))


def area_limited_expense(h: pd.DataFrame, expense: np.ndarray, allowed_x100: np.ndarray) -> np.ndarray:
    """§ 12: above the area limit the expense is scaled by allowed / actual area.

    Exact: ``expense × allowed / actual`` on integers (areas in hundredths of a m²), rounded
    half up to the øre once.
    """
    area = _col(h, "area_m2_x100")
    over = area > allowed_x100
    scaled = div_round_half_up(expense * allowed_x100, np.maximum(area, 1))
    return np.where(over, scaled, expense)


def maximum_expense_applies(h: pd.DataFrame) -> np.ndarray:
    """§ 14 stk. 4-5: no maximum for boligydelse in a dwelling where none applies."""
    return ~(_col(h, "no_maximum_dwelling") & (_col(h, "benefit_code") == BOLIGYDELSE))


def maximum_expense(h: pd.DataFrame, r: RowRates) -> np.ndarray:
    """§ 14 stk. 1-3: the maximum annual expense, in øre.

    Base raised by 5 % per child (at most 4 children) plus 50 % of the base if a member is
    severely mobility impaired in a suitable dwelling (stk. 2) or receives § 96 24-hour help
    (stk. 3) — one 50 % raise when either applies; raises are added (all refer to the base);
    the raised amount is rounded to the nearest 100 kr (ties up).
    """
    kids = np.minimum(_col(h, "children"), 4)
    extra = _col(h, "mobility_impaired") | _col(h, "round_the_clock_help")
    factor_ppm = (SHARE_SCALE + r["max_expense_raise_per_child"] * kids
                  + r["max_expense_raise_mobility_or_help"] * extra)
    return round_to_multiple(r["max_annual_expense"] * factor_ppm, 100 * ORE_PER_KRONE, scale=SHARE_SCALE)


def eligible_expense(limited: np.ndarray, maximum: np.ndarray, applies: np.ndarray) -> np.ndarray:
    """§ 14: the expense that counts = the area-limited expense, at most the maximum (if any)."""
    return np.where(applies, np.minimum(limited, maximum), limited)

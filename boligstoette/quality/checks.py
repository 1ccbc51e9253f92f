"""The catalogue of register checks: one stable code per check, its scope and what it holds.

Scope decides the consequence (docs/quality.md, 'Holds policy'):

| scope | holds | consequence |
|---|---|---|
| delivery | month | no payout for anyone this month: the snapshot itself cannot be trusted |
| organisation | organisation | that organisation's payouts are held |
| lease | lease (or none) | that lease's case is held (none: reported to the organisation only) |
| reconciliation | lease (or none) | reported; the lease's case is held where the money depends on it |

`description` is written for a housing organisation (it goes on their error list); `reason` says why
the check exists and which rule it protects; `threshold` names the `QualityThresholds` field, if any.
Codes are stable: they appear in the holds file and in organisations' error lists. Never rename one.
"""

from dataclasses import dataclass

SCOPES = ("delivery", "organisation", "lease", "reconciliation")
HOLDS = ("month", "organisation", "lease", "none")
CONSEQUENCE = {
    "month": "no payout for anyone this month",
    "organisation": "the organisation's payouts held",
    "lease": "the lease's case held",
    "none": "reported only",
}


@dataclass(frozen=True)
class Check:
    code: str
    scope: str
    holds: str
    description: str
    reason: str
    threshold: str | None = None

    def __post_init__(self):
        if self.scope not in SCOPES:
            raise ValueError(f"{self.code}: unknown scope {self.scope!r}")
        if self.holds not in HOLDS:
            raise ValueError(f"{self.code}: unknown holds {self.holds!r}")
        if not self.code.startswith("DQ_") or self.code.upper() != self.code:
            raise ValueError(f"{self.code}: codes are upper case and start with DQ_")

    @property
    def consequence(self) -> str:
        return CONSEQUENCE[self.holds]


_CHECKS = (
    # --- delivery: the whole month is held ------------------------------------------------------
    Check(
        "DQ_DELIVERY_CONTRACT", "delivery", "month",
        "The register file does not follow the agreed format (a missing column, a wrong date, an amount "
        "that is not kroner and øre, ...). The whole file is rejected and nothing from it is used.",
        "contracts/README.md: a delivery that breaks its contract is rejected whole; the reader raises "
        "ContractError naming file, line and column. Payouts cannot be computed from a rejected snapshot.",
    ),
    Check(
        "DQ_SNAPSHOT_SHRANK", "delivery", "month",
        "The register snapshot has markedly fewer leases than the previous one. A partial extract would "
        "end thousands of leases at once, so no payouts are made until a complete snapshot arrives.",
        "A truncated or partial extract looks like mass lease ends (RULES § 12.3: a lease ended by mistake "
        "stops the payout). Checked only when a previous snapshot exists.",
        "snapshot_shrink",
    ),
    Check(
        "DQ_LEASE_ID_NOT_UNIQUE", "delivery", "month",
        "The same lease number appears more than once in the snapshot, so it is ambiguous which rent, "
        "tenant and dates apply.",
        "contracts/README.md: one row per lease. Duplicates make every lease-based payout ambiguous.",
    ),
    # --- organisation ---------------------------------------------------------------------------
    Check(
        "DQ_ORG_ACTIVE_LEASES_DROPPED", "organisation", "organisation",
        "Your organisation has markedly fewer active leases than in the previous snapshot (or none at all). "
        "This usually means your rows are missing from the extract; your payouts are held until it is "
        "corrected.",
        "An organisation missing (wholly or partly) from the extract would end its tenants' benefit "
        "(RULES § 12.3). Active = started on or before the snapshot date and not ended before it.",
        "organisation_drop",
    ),
    # --- lease: the register itself ---------------------------------------------------------------
    Check(
        "DQ_DUPLICATE_ACTIVE_LEASE", "lease", "lease",
        "More than one lease is registered as running at the same time on this dwelling. Either the old "
        "lease should have been ended or the new one was created by mistake.",
        "One dwelling, one tenant at a time: with two running leases the benefit could go to the wrong "
        "tenant or twice. All running leases of the dwelling are held.",
    ),
    Check(
        "DQ_END_BEFORE_START", "lease", "lease",
        "The lease ends (lease_end) before it starts (lease_start).",
        "An impossible period: the lease end, which stops the payout (RULES § 12.3), cannot be trusted.",
    ),
    Check(
        "DQ_CPR_NOT_A_DATE", "lease", "lease",
        "The tenant's CPR number does not begin with a valid date (DDMMYY), so it cannot be right.",
        "RULES § 12.4: the tenant is identified by CPR number first; a CPR that is not a date cannot "
        "identify anyone. The century follows the Danish 7th-digit rule.",
    ),
    Check(
        "DQ_CPR_BIRTH_DATE_MISMATCH", "lease", "lease",
        "The date in the tenant's CPR number does not match the registered birth date.",
        "RULES § 12.4: CPR, else birth date and name, identify the tenant; when they disagree one of them "
        "belongs to someone else and the benefit could reach the wrong person.",
    ),
    # --- lease: against the previous snapshot ------------------------------------------------------
    Check(
        "DQ_TENANT_CHANGED", "lease", "lease",
        "The tenant's name (or CPR number or birth date) changed on an existing lease. A new tenant must "
        "get a new lease: end the old lease and create a new one.",
        "RULES § 12.3: a new tenant written onto an existing lease pays the benefit to the organisation "
        "for the wrong tenant. Names are compared ignoring case and spacing.",
    ),
    Check(
        "DQ_LEASE_START_CHANGED", "lease", "lease",
        "The start date of an existing lease changed. If a new tenant moved in, end the old lease and "
        "create a new one instead.",
        "RULES § 12.3: changing start date and name instead of ending the lease and creating a new one "
        "pays the benefit for the wrong tenant.",
    ),
    Check(
        "DQ_RENT_DROP", "lease", "lease",
        "The rent fell sharply since the previous snapshot. Please confirm the new rent.",
        "RULES § 12.3: a rent cut sharply by mistake stops (or cuts) the payout. Ordinary rent changes "
        "are a few per cent; a larger cut is held and confirmed before it reaches the citizen. A rent of "
        "exactly 0 kr is not a cut to confirm: a free-rent month or rehousing paid by an insurer gives 0 kr "
        "benefit for that month (RULES § 8.2, § 12.6).",
        "rent_down",
    ),
    Check(
        "DQ_RENT_JUMP", "lease", "lease",
        "The rent rose sharply since the previous snapshot. Please confirm the new rent.",
        "RULES § 12.3: a wrong rent changes the amount; a jump this size is far outside ordinary "
        "adjustments and would raise the benefit that must later be recovered. The return from a rent of "
        "0 kr (the month after a free-rent month) is not a jump.",
        "rent_up",
    ),
    Check(
        "DQ_SUPPLEMENT_ADDED", "lease", "lease",
        "Supplements (tillæg) appeared on a lease that had none. Please confirm they are correct.",
        "RULES § 12.3: a supplement wrongly added changes the amount. Supplements rarely start in the "
        "middle of a lease.",
    ),
    Check(
        "DQ_SUPPLEMENT_REMOVED", "lease", "lease",
        "All supplements (tillæg) disappeared from a lease that had them. Please confirm.",
        "RULES § 12.3: a supplement wrongly removed changes the amount.",
    ),
    Check(
        "DQ_LEASE_ENDED_NO_SUCCESSOR", "lease", "lease",
        "The lease has been ended, no new lease is registered on the dwelling, and the end stops the "
        "coming payout. Please confirm that the tenant has moved out; the benefit is held, not stopped, "
        "until you do.",
        "RULES § 12.3: a lease ended by mistake stops the payout; a careful agency holds and asks rather "
        "than stopping. An ordinary move (old lease ended, a new lease registered on the dwelling) is not "
        "held. Only ends newly registered since the previous snapshot and dated before the "
        "liable_half_month_day of the first benefit month the snapshot serves (RULES § 12.7) are held.",
        "liable_half_month_day",
    ),
    Check(
        "DQ_LEASE_END_UNCONFIRMED", "lease", "none",
        "A lease end was registered and no new lease is registered on the dwelling yet. Nothing is held "
        "now; please check the end is right before it takes effect.",
        "The same situation as DQ_LEASE_ENDED_NO_SUCCESSOR when the end does not yet touch a payout: "
        "asking early lets the organisation correct a mistake before it reaches the citizen "
        "(RULES § 12.3) without holding anyone's money.",
        "liable_half_month_day",
    ),
    Check(
        "DQ_LEASE_REOPENED", "lease", "lease",
        "A lease that was ended in the previous snapshot is open again (the end was removed). Please "
        "confirm; an earlier payout may have been stopped wrongly.",
        "RULES § 12.3: a termination that did not take effect must be reported; the benefit stopped on "
        "the earlier end may be owed back.",
    ),
    Check(
        "DQ_LEASE_VANISHED", "lease", "lease",
        "A lease that was running in the previous snapshot is missing from this one.",
        "Leases stay in the register for 24 months after they end (contracts/README.md); a running lease "
        "that disappears (e.g. a dwelling removed after a BBR correction) would stop the payout "
        "(RULES § 12.3).",
    ),
    Check(
        "DQ_LEASE_REAPPEARED", "lease", "lease",
        "A lease that started well before the previous snapshot appears now but was not in the previous "
        "snapshot.",
        "A lease or dwelling that was gone and comes back (RULES § 12.3: a dwelling removed after a BBR "
        "correction must be restored); benefit for the missing period may have been stopped wrongly.",
        "late_registration_days",
    ),
    # --- lease: against BBR -------------------------------------------------------------------------
    Check(
        "DQ_BBR_UNIT_MISSING", "lease", "lease",
        "The dwelling's BBR unit id (bbr_unit_id) is not found in the building register (BBR).",
        "RULES § 12.2: BBR data reaches UDK only via the organisation; a dangling BBR reference means "
        "size and heating cannot be verified.",
    ),
    Check(
        "DQ_BBR_AREA_DIFFERS", "lease", "lease",
        "The dwelling's size in the rent register differs markedly from its size in BBR.",
        "The area sets the maximum rent and area the benefit covers; BBR changes are not notified "
        "(RULES § 12.2), so a disagreement must be clarified with the organisation.",
        "area_tolerance",
    ),
    Check(
        "DQ_BBR_HEATING_DIFFERS", "lease", "lease",
        "The heating form in the rent register differs from the heating form in BBR.",
        "Heating form changes are not notified (RULES § 12.2: organisations must tell UDK separately) and "
        "they change the housing expense.",
    ),
    # --- reconciliation: snapshot versus change notifications ----------------------------------------
    Check(
        "DQ_RECON_RENT_NOT_NOTIFIED", "reconciliation", "lease",
        "The rent, supplements or rent start date changed in the register, but no rent-change "
        "notification was sent.",
        "RULES § 12.2: a rent change sends a notification that triggers recalculation; none is expected "
        "only for a correction back to a date before 2014-06-01 (those are exempt). The money depends "
        "on it, so the lease is held.",
    ),
    Check(
        "DQ_RECON_UTILITIES_NOT_NOTIFIED", "reconciliation", "lease",
        "Whether heating, water or drainage is paid in the rent changed in the register, but no "
        "notification was sent.",
        "RULES § 12.2: water, drainage and heating payment changes are notified; they change the housing "
        "expense, so the lease is held.",
    ),
    Check(
        "DQ_RECON_LEASE_END_NOT_NOTIFIED", "reconciliation", "lease",
        "The lease end was set, changed or removed in the register, but no notification was sent.",
        "RULES § 12.2: a lease end is notified; it starts or stops the payout, so the lease is held.",
    ),
    Check(
        "DQ_RECON_NOTIFICATION_NOT_IN_SNAPSHOT", "reconciliation", "lease",
        "A change notification was sent, but the register snapshot does not show the notified values.",
        "The notification triggered a recalculation at UDK while the register says otherwise; the amount "
        "depends on which is right, so the lease is held.",
    ),
    Check(
        "DQ_RECON_NOTIFICATION_UNKNOWN_LEASE", "reconciliation", "none",
        "A change notification names a lease that is in neither this nor the previous snapshot.",
        "No payout can depend on a lease the register does not hold; reported so the organisation can "
        "correct the notification or the register.",
    ),
)

CHECKS: dict[str, Check] = {c.code: c for c in _CHECKS}
"""Every check by code, in documentation order (delivery, organisation, lease, reconciliation)."""

if len(CHECKS) != len(_CHECKS):  # pragma: no cover - a duplicate code is a programming error
    raise RuntimeError("duplicate check code")


def codes(scope: str) -> list[str]:
    """The codes of one scope, in catalogue order."""
    if scope not in SCOPES:
        raise ValueError(f"unknown scope {scope!r}")
    return [c.code for c in _CHECKS if c.scope == scope]


def checks_table(thresholds=None) -> str:
    """The Markdown table of checks for docs/quality.md and the README (generated, never hand-edited)."""
    from boligstoette.quality.thresholds import DEFAULT_THRESHOLDS

    thresholds = thresholds or DEFAULT_THRESHOLDS
    lines = [
        "| code | scope | consequence | description | threshold (default) |",
        "|---|---|---|---|---|",
    ]
    for c in _CHECKS:
        threshold = f"`{c.threshold}` = {getattr(thresholds, c.threshold)}" if c.threshold else "—"
        lines.append(f"| `{c.code}` | {c.scope} | {c.consequence} | {c.description} | {threshold} |")
    return "\n".join(lines)


def reasons_table() -> str:
    """The Markdown table of why each check exists (code, holds, reason) for docs/quality.md."""
    lines = ["| code | holds | why (rule protected) |", "|---|---|---|"]
    for c in _CHECKS:
        lines.append(f"| `{c.code}` | {c.holds} | {c.reason} |")
    return "\n".join(lines)

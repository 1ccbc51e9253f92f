"""The configurable limits of the register checks (docs/quality.md). The lead exposes them as Dagster
resource config; every default is documented here and in the docs table."""

from dataclasses import dataclass, fields


@dataclass(frozen=True)
class QualityThresholds:
    """Limits of the register data-quality checks. Shares are fractions (0.02 = 2 %)."""

    snapshot_shrink: float = 0.02
    """DQ_SNAPSHOT_SHRANK: the snapshot has more than this share fewer rows than the previous one."""
    organisation_drop: float = 0.20
    """DQ_ORG_ACTIVE_LEASES_DROPPED: an organisation's active leases fall by more than this share."""
    rent_down: float = 0.30
    """DQ_RENT_DROP: rent_monthly falls by more than this share on the same lease."""
    rent_up: float = 0.50
    """DQ_RENT_JUMP: rent_monthly rises by more than this share on the same lease."""
    area_tolerance: float = 0.10
    """DQ_BBR_AREA_DIFFERS: the register's area differs from BBR's by more than this share of BBR's."""
    late_registration_days: int = 31
    """DQ_LEASE_REAPPEARED: a lease first seen now whose lease_start lies more than this many days before
    the previous snapshot date should have been in it (leases are normally registered at most ~3 weeks
    after they start)."""
    cutoff_day: int = 20
    """The register cut-off day (landing rules): a snapshot dated on or before this day of month X first
    serves benefit month X+1, a later one X+2. Used to tell whether a new lease end stops the coming payout."""
    liable_half_month_day: int = 15
    """RULES § 12.7: a tenant liable for the first half of a month keeps that month's benefit; a lease end
    before this day of the first benefit month the snapshot serves stops (or claws back) that payout."""

    def __post_init__(self):
        for name in ("snapshot_shrink", "organisation_drop", "rent_down", "area_tolerance"):
            value = getattr(self, name)
            if not 0.0 <= value < 1.0:
                raise ValueError(f"{name} must be a share in [0, 1), got {value!r}")
        if not self.rent_up >= 0.0:
            raise ValueError(f"rent_up must be >= 0, got {self.rent_up!r}")
        if not 0 <= self.late_registration_days <= 366:
            raise ValueError(f"late_registration_days must be 0..366, got {self.late_registration_days!r}")
        if not 1 <= self.cutoff_day <= 28:
            raise ValueError(f"cutoff_day must be 1..28, got {self.cutoff_day!r}")
        if not 1 <= self.liable_half_month_day <= 28:
            raise ValueError(f"liable_half_month_day must be 1..28, got {self.liable_half_month_day!r}")

    def as_dict(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self)}


DEFAULT_THRESHOLDS = QualityThresholds()

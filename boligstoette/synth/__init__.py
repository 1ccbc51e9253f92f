"""Deterministic sample data for the landing folder (`boligstoette synth`).

Pure package: numpy and pandas only, no Dagster. Entry points: `generate(SynthConfig(...))` and the
`synth` subcommand in `boligstoette.synth.cli`. The layout and formats follow
shared/contracts/README.md; ground truth (injected errors, case truth) goes to OUT/_truth/.
"""

from boligstoette.synth.config import INJECT_KINDS, SCALES, SynthConfig

__all__ = ["INJECT_KINDS", "SCALES", "SynthConfig", "generate"]


def generate(cfg: SynthConfig, force: bool = False):
    from boligstoette.synth.generator import generate as _generate

    return _generate(cfg, force=force)

"""``early_terminate: hyperband`` of a sweep config: the rungs of successive halving.

wandb's hyperband stops members at rungs of epochs: ``min_iter * eta**k`` (or ``max_iter /
eta**k`` for k = 1..s), keeping about the best 1/eta at each; `jaxnn.sweeps._hyperband` runs it.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from jaxnn.sweeps._config_file import SweepConfigError, check_keys, mapping, number, shown

__all__ = ["ETA_RANGE", "Hyperband", "parse_hyperband"]

ETA_RANGE = (1.01, 1000.0)
"""hyperband's ``eta``: the share kept at each rung is 1/eta, so eta = 1.0000000001 would make
rungs at every epoch of a sequence that never grows."""
_HYPERBAND_KEYS = ("type", "min_iter", "max_iter", "s", "eta", "strict")


class Hyperband(NamedTuple):
    """``early_terminate: {type: hyperband, ...}``: successive halving at rungs of epochs.

    Attributes:
      eta: the cut keeps about the best 1/eta at each rung (> 1, default 3).
      min_iter: the first rung, in epochs; rungs ``min_iter * eta**k``.
      max_iter: with ``s``: rungs ``max_iter / eta**k`` for k = 1..s.
      s: the number of rungs below ``max_iter``.
      strict: compare the value at the rung (True, wandb's default) or the best so far.
    """

    eta: float = 3.0
    min_iter: int | None = None
    max_iter: int | None = None
    s: int | None = None
    strict: bool = True

    def rungs(self, epochs: int) -> list[int]:
        r"""The rungs below ``epochs``, as wandb's hyperband computes its bands.

        .. math:: r_k = \lfloor \text{min\_iter} \cdot \eta^k \rfloor, \quad k = 0, 1, \dots
            \qquad\text{or}\qquad r_k = \lfloor \text{max\_iter} / \eta^k \rfloor,
            \quad k = 1..s
        """
        bands: list[int] = []
        if self.min_iter is not None:
            band = float(self.min_iter)
            while int(band) < epochs:
                bands.append(int(band))
                band *= self.eta
        else:
            band = float(self.max_iter)
            for _ in range(int(self.s)):
                band /= self.eta
                if band < 1:
                    break
                bands.append(int(band))
        return sorted({b for b in bands if 1 <= b < epochs})


def parse_hyperband(source: str, raw: Any) -> Hyperband:
    key = "early_terminate"
    raw = mapping(source, key, raw, "a mapping with type: hyperband")
    check_keys(source, key, raw, _HYPERBAND_KEYS)
    if raw.get("type") != "hyperband":
        raise SweepConfigError(
            f"{source}: {key}.type: expected hyperband, got {shown(raw.get('type'))}"
        )
    eta = number(source, f"{key}.eta", raw.get("eta", 3))
    low, high = ETA_RANGE
    if not low <= eta <= high:
        raise SweepConfigError(
            f"{source}: {key}.eta: expected a number in [{low:g}, {high:g}] (each rung keeps "
            f"1/eta of the members), got {eta}"
        )
    strict = raw.get("strict", True)
    if not isinstance(strict, bool):
        raise SweepConfigError(
            f"{source}: {key}.strict: expected true or false, got {shown(strict)}"
        )
    ints = {}
    for name in ("min_iter", "max_iter", "s"):
        if name in raw:
            ints[name] = number(source, f"{key}.{name}", raw[name], integer=True)
            if ints[name] < 1:
                raise SweepConfigError(
                    f"{source}: {key}.{name}: expected an integer >= 1, got {ints[name]}"
                )
    if "min_iter" not in ints and not ("max_iter" in ints and "s" in ints):
        raise SweepConfigError(f"{source}: {key}: expected min_iter, or max_iter and s")
    if "min_iter" in ints:
        ints.pop("max_iter", None)
        ints.pop("s", None)
    return Hyperband(eta=float(eta), strict=strict, **ints)

r"""Running many members on the engine: what `jaxnn.sweep` and successive halving share.

The settings are resolved once (`resolve`); each program of the plan becomes the engine's `Static`
(`program_static`) and its members' stacked arrays (`stack_members`); its two programs (init and
train) are compiled side by side for all programs at once (`jaxnn.training._programs`), vmapped
and sharded over the devices; `run` calls them on chunks of members, fresh or from given states,
to per-member targets; `diverged` reads the divergence test from the results:

.. math:: \text{diverged} = \neg\text{finite}(\theta, \mathcal{L}) \ \lor\
    \mathcal{L}_{\rm train}(\text{last epoch}) > \min(2\, \mathcal{L}_{\rm train}(\theta_0),\
    10\, \mathcal{L}_{\rm train}(0))

where theta_0 is the member's initial network and 0 the all-zero one (a_L = 0: the uniform
prediction of softmax, 1/2 of a sigmoid, 0 of a linear output), so that a network that was
garbage from the start (an init scale of 1e30) counts as diverged too.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, NamedTuple

import jax
import numpy as np

from jaxnn.sweeps._packed import activation_set, stack_members
from jaxnn.sweeps._plan import Program
from jaxnn.sweeps._sharding import map_chunks
from jaxnn.training import _engine as engine
from jaxnn.training._config import HParams, TrainConfig, check_config, check_hparam
from jaxnn.training._optimizers import custom_name, is_transformation
from jaxnn.training._programs import Request
from jaxnn.training._settings import check_setting

__all__ = [
    "Collected",
    "Envelope",
    "Resolved",
    "diverged",
    "loss_diverged",
    "member_records",
    "program_static",
    "requests",
    "resolve",
    "run",
    "setting_value",
    "space_envelope",
]

_HPARAM_DEFAULTS = dict(HParams._field_defaults)


class Resolved(NamedTuple):
    """A sweep's settings, checked: each member's config, the hyperparameter columns (float32,
    validated), the seeds and each member's full setting (every `TrainConfig` and `HParams`
    field, and ``seed``)."""

    configs: list[TrainConfig]
    columns: dict[str, np.ndarray]
    seeds: np.ndarray
    full: list[dict[str, Any]]


class Envelope(NamedTuple):
    """What a search space's programs are sized for, so that every round of it runs the same
    programs: the largest network, the activations and the most epochs of the whole space, and
    whether its networks differ (then every round packs into ``sizes``)."""

    sizes: tuple[int, ...]
    activations: tuple
    epochs: int
    packed: bool = False


def space_envelope(spec: Any, base: TrainConfig) -> Envelope:
    """The `Envelope` of a sweep config's search space around ``base`` (the unswept settings).

    Args:
      spec: a `SweepSpec`.
      base: the config of the settings the space does not sweep.
    """
    swept = {p.setting: p.extremes() for p in spec.parameters.values()}
    layers = swept.get("num_layers", [len(base.sizes) - 2])
    widths = swept.get("hidden_size", [max(base.sizes[1:-1], default=1)])
    activations = swept.get("activation", [base.activation])
    epochs = max(swept.get("epochs", [base.epochs]))
    sizes = (base.sizes[0], *[max(widths)] * max(layers), base.sizes[-1])
    varies = len(set(layers)) > 1 or len(set(widths)) > 1
    return Envelope(sizes, tuple(activations), int(epochs), varies)


def resolve(
    config: TrainConfig, settings: Sequence[Mapping[str, Any]], hparams: Mapping[str, Any]
) -> Resolved:
    """Each member's checked config, hyperparameter columns, seed and full setting.

    A schedule given as ``learning_rate`` (a function of the step) becomes the member's
    ``lr_schedule``.
    """
    bad = [k for k in hparams if k not in HParams._fields]
    if bad:
        raise ValueError(f"hparams has unknown key(s) {bad}; valid: {', '.join(HParams._fields)}")
    base = {**_HPARAM_DEFAULTS, **hparams}
    checked: dict[TrainConfig, TrainConfig] = {}
    configs, rows = [], []
    for s in settings:
        s = dict(s)
        rate = s.get("learning_rate", base["learning_rate"])
        if callable(rate):  # a user's schedule
            s["lr_schedule"], s["learning_rate"] = rate, _HPARAM_DEFAULTS["learning_rate"]
        fields = {k: (tuple(v) if k == "sizes" else v) for k, v in s.items() if k in config._fields}
        c = config._replace(**fields)
        if c not in checked:
            checked[c] = check_config(c)
        configs.append(checked[c])
        rows.append(s)
    columns = {
        name: check_hparam(name, [s.get(name, base[name]) for s in rows])
        for name in HParams._fields
    }
    seeds = np.array([check_setting("seed", s.get("seed", 0)) for s in rows], np.int64)
    full = [
        {**c._asdict(), **{k: float(s.get(k, base[k])) for k in HParams._fields}, "seed": int(n)}
        for c, s, n in zip(configs, rows, seeds)
    ]
    return Resolved(configs, columns, seeds, full)


def keys(seeds: np.ndarray) -> np.ndarray:
    """``jax.random.PRNGKey(seed)`` for each seed, as a solo run makes it (on the host)."""
    return np.stack([engine.seed_key(int(s)) for s in seeds])


def program_static(program: Program, configs: Sequence[TrainConfig], envelope=None):
    """The engine's `Static` of a planned program: its network, its members' activations and a
    metrics buffer for its longest epochs; an `Envelope` sizes a packed program for a whole
    search space instead."""
    members = [configs[i] for i in program.members]
    activations = activation_set([c.activation for c in members], program.packed)
    sizes, epochs = program.config.sizes, program.config.epochs
    if envelope is not None and program.packed:
        sizes = envelope.sizes
    if envelope is not None:
        activations = activation_set([*envelope.activations, *activations], program.packed)
        epochs = max(epochs, envelope.epochs)
    return engine.static_of(
        program.config,
        activations=activations,
        epochs=engine.epochs_bucket(epochs),
        sizes=sizes if program.packed else None,
    )


def members_of(static, configs, index, columns, all_keys) -> engine.Member:
    """The stacked `Member` arrays of members ``index`` in program ``static``."""
    hp = HParams(*(columns[name][index] for name in HParams._fields))
    return stack_members(static, [configs[i] for i in index], hp, all_keys[index])


def requests(static, members, mesh, chunk: int, data, *, fresh: bool = False) -> list[Request]:
    """The programs of ``members`` (stacked) on ``mesh``: with ``fresh``, one that initializes
    and trains them (a sweep's); else an init and a train program (successive halving's, whose
    segments continue from states)."""
    k = len(members.epochs)
    target, test = np.zeros(k, np.int32), np.zeros(k, bool)
    if fresh:
        return [Request("fresh", static, (members, target, test, data), mesh, chunk)]
    states = jax.eval_shape(jax.vmap(lambda m: engine.init_member(static, m, data).state), members)
    init = Request("init", static, (members, data), mesh, chunk, divergence=True)
    train = Request("train", static, (members, states, target, test, data), mesh, chunk)
    return [init, train]


def run(
    programs: Sequence[Any],
    mesh: Any,
    chunk: int,
    inputs: dict[str, Any],
    data: Any,
    *,
    keep: str | None = None,
    on_chunk: Callable[[int], None] | None = None,
) -> dict[str, Any]:
    """Runs members in chunks: init (unless ``inputs`` holds their ``state``), then training to
    each member's ``target`` epoch and, where ``test``, the test split.

    Args:
      programs: the compiled ``(fresh,)`` or ``(init, train)`` (see `requests`).
      mesh: the mesh.
      chunk: members per call.
      inputs: ``member`` (stacked `Member`), ``target`` (int32), ``test`` (bool) and optionally
        ``state`` (stacked `TrainState`), NumPy with a leading member axis.
      data: the data, placed by `replicate`.
      keep: ``params`` or ``state`` to bring the final ones back to the host; None: neither.
      on_chunk: progress, called with the members of each chunk.

    Returns:
      NumPy arrays with a leading member axis: ``metrics`` (`EpochMetrics` of buffers),
      ``test_loss``, ``test_accuracy``, ``confusion``, ``finite``, ``val_errors`` (buffers),
      ``test_errors``, ``initial_loss`` and ``baseline_loss`` (NaN when resumed), and ``params``
      or ``state`` if kept.
    """

    def call(block: dict[str, Any]) -> dict[str, Any]:
        member, target, test = block["member"], block["target"], block["test"]
        out: dict[str, Any] = {}
        if "state" in block:
            result = programs[-1]((member, block["state"], target, test), data)
        elif len(programs) == 1:  # one program: init, then train
            result, start = programs[0]((member, target, test), data)
            out.update(initial_loss=start.initial_loss, baseline_loss=start.baseline_loss)
        else:
            start = programs[0]((member,), data)
            out.update(initial_loss=start.initial_loss, baseline_loss=start.baseline_loss)
            result = programs[1]((member, start.state, target, test), data)
        out.update(
            metrics=result.metrics,
            test_loss=result.test_loss,
            test_accuracy=result.test_accuracy,
            confusion=result.confusion,
            finite=result.finite,
            val_errors=result.val_errors,
            test_errors=result.test_errors,
        )
        if keep == "params":
            out["params"] = result.state.params
        elif keep == "state":
            out["state"] = result.state
        return out

    return map_chunks(call, mesh, chunk, inputs, on_chunk=on_chunk)


def setting_value(value: Any) -> Any:
    """A member's setting as JSON takes it: tuples as lists, a user's optax transformation or
    schedule by name."""
    if is_transformation(value) or (callable(value) and not isinstance(value, tuple)):
        return custom_name(value)
    return list(value) if isinstance(value, tuple) else value


def loss_diverged(last, initial_loss, baseline_loss):
    """The loss half of the divergence test, for JAX or NumPy values: the last train loss above
    twice the initial network's or ten times the all-zero network's."""
    return (last > 2 * initial_loss) | (last > 10 * baseline_loss)


def diverged(train_loss, initial_loss, baseline_loss, test_loss, finite) -> bool:
    """A member's divergence test, its own values only (NumPy): ``train_loss`` its epochs'."""
    ok = bool(finite) and bool(np.all(np.isfinite(train_loss))) and bool(np.isfinite(test_loss))
    return not ok or bool(loss_diverged(train_loss[-1], initial_loss, baseline_loss))


_FINAL = ("val_loss", "val_accuracy", "train_loss")  # the last epoch's metrics in a result
_REGRESSION = ("rmse", "mae", "r2")


class Collected:
    """Each member's results, gathered from the programs' outputs in the sweep's order: what
    `jaxnn.sweep` and successive halving return alike."""

    def __init__(self, k: int) -> None:
        self.test = np.full((2, k), np.nan, np.float32)  # loss, accuracy
        self.diverged = np.zeros(k, bool)
        self.history: list[Any] = [None] * k
        self.params: list[Any] = [None] * k
        self.confusion: list[Any] = [None] * k
        self.val_errors: list[Any] = [None] * k
        self.test_errors: list[Any] = [None] * k

    def put(self, i: int, history, out: Mapping[str, Any], j: int, initial, baseline) -> None:
        """Member ``i``: its `EpochMetrics` over its epochs and row ``j`` of a program's outputs
        (`run`'s: ``test_loss``, ``test_accuracy``, ``finite``, ``confusion``, ``val_errors``,
        ``test_errors``); ``initial`` and ``baseline`` its divergence test's losses."""
        epochs = len(history.train_loss)
        self.history[i] = history
        self.test[:, i] = out["test_loss"][j], out["test_accuracy"][j]
        self.confusion[i] = np.asarray(out["confusion"][j])
        self.val_errors[i] = np.asarray(out["val_errors"][j])[:epochs]
        self.test_errors[i] = np.asarray(out["test_errors"][j])
        self.diverged[i] = diverged(
            history.train_loss, initial, baseline, out["test_loss"][j], out["finite"][j]
        )

    def fields(self, data: Any, keep_params: bool) -> dict[str, Any]:
        """The result's per-member fields: ``test_loss``, ``test_accuracy``, the last epoch's
        ``val_loss``, ``val_accuracy`` and ``train_loss``, ``diverged``, ``history``,
        ``params``, ``confusion_matrix`` and ``regression``."""
        final = {n: np.array([getattr(h, n)[-1] for h in self.history]) for n in _FINAL}
        return {
            "test_loss": self.test[0],
            "test_accuracy": self.test[1],
            **final,
            "diverged": self.diverged,
            "history": tuple(self.history),
            "params": tuple(self.params) if keep_params else None,
            "confusion_matrix": self._confusion(),
            "regression": self._regression(data),
        }

    def _confusion(self) -> np.ndarray | None:
        shapes = {m.shape for m in self.confusion}
        if len(shapes) != 1 or 0 in shapes.pop():  # regression, or too many classes
            return None
        return np.stack(self.confusion)

    def _regression(self, data: Any) -> tuple[dict[str, Any], ...] | None:
        from jaxnn.training._data import is_classification
        from jaxnn.training._metrics import regression_scores, target_units

        if is_classification(data):
            return None
        pre = data.target_preprocessing
        val, test = target_units(pre, data.y_val), target_units(pre, data.y_test)
        out = []
        for v, t in zip(self.val_errors, self.test_errors):
            per_epoch = regression_scores(v, *val)
            tested = regression_scores(t, *test)
            out.append(
                {
                    **{f"val_{k}": per_epoch[k] for k in _REGRESSION},
                    **{f"test_{k}": float(tested[k]) for k in ("mse", *_REGRESSION)},
                }
            )
        return tuple(out)


def member_records(result: Any, extra: Sequence[str] = ()) -> list[dict[str, Any]]:
    """One JSON-ready dict per member of a sweep's result: its setting, its results (the last
    epoch's regression metrics and the test confusion matrix where there are), and the fields
    ``extra`` of the result (arrays with a member axis)."""
    rows = []
    for i, setting in enumerate(result.settings):
        row = {k: setting_value(v) for k, v in setting.items()}
        for name in ("test_loss", "test_accuracy", *_FINAL):
            row[name] = _number(getattr(result, name)[i])
        row["diverged"] = bool(result.diverged[i])
        for name in extra:
            row[name] = np.asarray(getattr(result, name)[i]).item()
        if result.regression is not None:
            values = result.regression[i]
            for k, v in values.items():
                row[k] = _number(v[-1] if np.ndim(v) else v)
        if result.confusion_matrix is not None:
            row["confusion_matrix"] = np.asarray(result.confusion_matrix[i]).tolist()
        rows.append(row)
    return rows


def _number(value: Any) -> float | None:
    value = float(value) if np.size(value) else float("nan")
    return value if np.isfinite(value) else None

"""The perceptron convergence bound of the notes' proof (notes 2.3), and separable data for it."""

from __future__ import annotations

import functools
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jax.typing import ArrayLike

from jaxnn._validation import check_int_range, check_positive, is_concrete, keyword_key
from jaxnn.perceptrons._learning import points
from jaxnn.perceptrons._perceptron import PerceptronParams

__all__ = [
    "ConvergenceTrials",
    "convergence_bound",
    "convergence_trials",
    "separable_data",
    "margin",
]


def _unit(params: PerceptronParams) -> jax.Array:
    w = jnp.concatenate([jnp.asarray(params.b)[None], jnp.asarray(params.w)])
    return w / jnp.linalg.norm(w)


def margin(
    w_star: PerceptronParams, x: ArrayLike, y: ArrayLike, *, normalize: bool = True
) -> jax.Array:
    r"""The margin delta of a separating unit in the notes' proof.

    .. math::
      \delta = \min_{p \in P'} w^* \cdot p, \quad \lVert w^* \rVert = 1

    Args:
      w_star: a separating perceptron (``w`` of shape (n,), scalar ``b``); scaled to unit length
        as (b, w).
      x: inputs, shape (m points, n).
      y: 0/1 labels, shape (m points,).
      normalize: measure on unit-length points p (as in the proof) rather than raw ones.

    Returns:
      delta, a scalar: positive exactly when ``w_star`` puts every point strictly on its side.
    """
    p = points(x, y, normalize=normalize)
    return jnp.min(p @ _unit(w_star).astype(p.dtype))


def convergence_bound(
    w_star: PerceptronParams,
    x: ArrayLike,
    y: ArrayLike,
    *,
    init: PerceptronParams | None = None,
    normalize: bool = True,
) -> jax.Array:
    r"""The largest number of corrections the notes' proof allows.

    After k corrections ``w^* . w_k >= w^* . w_0 + k delta`` and ``||w_k||^2 <= ||w_0||^2 + k R^2``
    (R = max ||p||, 1 for normalized points), so ``cos beta <= 1`` gives

    .. math::
      \frac{w^* \cdot w_0 + k\delta}{\sqrt{\lVert w_0\rVert^2 + k R^2}} \le 1
      \;\Rightarrow\;
      k \le \frac{R^2 - 2a\delta + \sqrt{R^4 - 4a\delta R^2 + 4\delta^2 c}}{2\delta^2},
      \quad a = w^* \cdot w_0,\ c = \lVert w_0 \rVert^2,

    which for ``w_0 = 0`` and normalized points is ``k <= 1 / delta^2``. It bounds every algorithm
    of :func:`jaxnn.learn_perceptron` run on the same points (``normalize=True`` for ``modified``,
    ``False`` for ``random`` and ``cyclic``).

    Args:
      w_star: a separating perceptron; only its direction matters.
      x: inputs, shape (m points, n).
      y: 0/1 labels, shape (m points,).
      init: the learning algorithm's start w_0 (zeros when ``None``).
      normalize: whether the algorithm runs on normalized points.

    Returns:
      The bound on k, a scalar; ``inf`` when ``w_star`` does not separate the points (delta <= 0).
    """
    p = points(x, y, normalize=normalize)
    u = _unit(w_star).astype(p.dtype)
    delta = jnp.min(p @ u)
    r2 = jnp.max(jnp.sum(p * p, axis=1))
    if init is None:
        a = c = jnp.zeros((), p.dtype)
    else:
        w0 = jnp.concatenate([jnp.asarray(init.b)[None], jnp.asarray(init.w)]).astype(p.dtype)
        a, c = u @ w0, w0 @ w0
    root = jnp.sqrt(jnp.maximum(r2 * r2 - 4 * a * delta * r2 + 4 * delta**2 * c, 0.0))
    bound = (r2 - 2 * a * delta + root) / (2 * delta**2)
    return jnp.where(delta > 0, bound, jnp.inf)


def separable_data(
    key: jax.Array, num_points: int, dim: int, margin: float, *, oversample: int = 64
) -> tuple[jax.Array, jax.Array, PerceptronParams]:
    """Random linearly separable data with a given margin, and the unit that separates it.

    A random unit direction ``w* = (b, w)`` in n + 1 dimensions labels points drawn uniformly from
    ``[-1, 1]^dim``; only points whose normalized margin ``|w* . (1, x)| / ||(1, x)||`` is at least
    ``margin`` are kept (the first ``num_points`` of ``oversample * num_points`` draws). Jittable
    and vmappable over ``key`` and ``margin``; outside a trace it checks that enough points
    qualified.

    Args:
      key: a PRNG key.
      num_points: the number of points m (static).
      dim: the input dimension n (static).
      margin: the smallest normalized margin, in (0, 1).
      oversample: draws per point kept (static).

    Returns:
      ``(x, y, w_star)``: inputs of shape (m, n), 0/1 labels of shape (m,), and the separating
      perceptron (unit length as (b, w)).
    """
    num_points = check_int_range("num_points", num_points, 1, 10**7)
    dim = check_int_range("dim", dim, 1, 10**5)
    oversample = check_int_range("oversample", oversample, 1, 10**4)
    _check_margin(margin)
    x, y, w_star, kept = _separable_data(key, margin, dim, num_points, dim, oversample)
    if is_concrete(kept) and int(kept) < num_points:
        raise ValueError(
            f"margin {margin} is too large for dim {dim}: only {int(kept)} of "
            f"{oversample * num_points} draws qualified, {num_points} needed"
        )
    return x, y, w_star


def _check_margin(margin: ArrayLike) -> None:
    if is_concrete(margin):
        check_positive("margin", margin)
        if float(margin) >= 1:
            raise ValueError(f"margin must be < 1 (a cosine), got {margin}")


@functools.partial(jax.jit, static_argnums=(3, 4, 5))
def _separable_data(key, margin, dim, num_points, max_dim, oversample):
    """Data in ``max_dim`` columns, those from ``dim`` on zero: the same problem in fewer dims."""
    k_w, k_x = jax.random.split(key)
    live = jnp.arange(max_dim + 1) <= dim  # the bias and the first dim inputs
    u = jnp.where(live, jax.random.normal(k_w, (max_dim + 1,)), 0.0)
    u = u / jnp.linalg.norm(u)
    draws = oversample * num_points
    x = jax.random.uniform(k_x, (draws * max_dim,), minval=-1.0, maxval=1.0)
    x = jnp.where(live[None, 1:], x.reshape(draws, max_dim), 0.0)
    a = jnp.concatenate([jnp.ones((draws, 1), x.dtype), x], axis=1)
    z = a @ u
    ok = jnp.abs(z) >= margin * jnp.linalg.norm(a, axis=1)
    order = jnp.argsort(~ok, stable=True)[:num_points]
    y = (z[order] >= 0).astype(jnp.int32)
    return x[order], y, PerceptronParams(u[1:], u[0]), jnp.sum(ok)


class ConvergenceTrials(NamedTuple):
    """The perceptron learning algorithm against the bound on many separable data sets.

    Attributes:
      delta: float (data sets,), the margin delta of each data set's separating unit.
      bound: float (data sets,), the bound on the corrections from :func:`convergence_bound`.
      corrections: int32 (data sets,), the corrections the algorithm made.
      steps: int32 (data sets,), the points it inspected.
      converged: bool (data sets,).
      margin_met: bool (data sets,), False where too few draws reached ``margin`` (the data are
        still separable, with the smaller ``delta`` reported).
    """

    delta: jax.Array
    bound: jax.Array
    corrections: jax.Array
    steps: jax.Array
    converged: jax.Array
    margin_met: jax.Array


def convergence_trials(
    margin: ArrayLike,
    dim: ArrayLike,
    *key_first: ArrayLike,
    key: jax.Array | None = None,
    datasets: int,
    num_points: int,
    max_dim: int | None = None,
    algorithm: str = "modified",
    init_scale: ArrayLike = 0.0,
    max_steps: int = 100_000,
) -> ConvergenceTrials:
    """Runs the perceptron learning algorithm on random separable data sets and computes the bound.

    Data set i (``fold_in(key, i)``) comes from :func:`separable_data`; the data sets are learned
    in one vmapped call. ``margin`` and ``dim`` are traced, so a grid of them vmaps and compiles
    once: the data live in ``max_dim`` columns, those from ``dim`` on zero, which changes neither
    the algorithm's corrections nor the bound (padded coordinates of every p are 0).

    ``convergence_trials(margin, dim, key=key, ...)`` is the call; the earlier form
    ``convergence_trials(key, margin, dim, ...)`` gives the same trials.

    Args:
      margin: the smallest normalized margin of the data, in (0, 1) (traced).
      dim: the input dimension, 1 to ``max_dim`` (traced).
      *key_first: ``dim``, when the key comes first (the earlier form).
      key: a PRNG key (keyword-only).
      datasets: how many data sets (static).
      num_points: points per data set (static).
      max_dim: the number of columns (static); ``dim`` when ``None`` (then ``dim`` must be an int).
      algorithm: as in :func:`jaxnn.perceptrons.learn` (static); the bound uses normalized points
        for ``modified`` and raw ones otherwise.
      init_scale: the start w_0 is ``init_scale`` times a standard normal draw (on the live
        coordinates); 0 starts from zeros, where the bound is ``1 / delta^2`` (traced).
      max_steps: the cap on points inspected (static).

    Returns:
      A :class:`ConvergenceTrials`, one entry per data set.
    """
    from jaxnn.perceptrons._learning import ALGORITHMS

    key, margin, dim = keyword_key("convergence_trials", key, key_first, leading=(margin, dim))
    if key is None:
        raise TypeError("convergence_trials needs a PRNG key: convergence_trials(m, d, key=key)")
    if algorithm not in ALGORITHMS:
        raise ValueError(f"algorithm must be one of {ALGORITHMS}, got {algorithm!r}")
    datasets = check_int_range("datasets", datasets, 1, 10**6)
    num_points = check_int_range("num_points", num_points, 1, 10**6)
    max_dim = check_int_range("max_dim", dim if max_dim is None else max_dim, 1, 10**4)
    if is_concrete(dim):
        d = np.asarray(dim)
        if d.ndim or not np.issubdtype(d.dtype, np.integer) or not 1 <= int(d) <= max_dim:
            raise ValueError(f"dim must be an integer from 1 to max_dim = {max_dim}, got {dim!r}")
    max_steps = check_int_range("max_steps", max_steps, 1, 2**30)
    _check_margin(margin)
    return _trials(
        key, margin, dim, init_scale, datasets, num_points, max_dim, algorithm, max_steps
    )


@functools.partial(jax.jit, static_argnums=(4, 5, 6, 7, 8))
def _trials(key, min_margin, dim, init_scale, datasets, num_points, max_dim, algorithm, max_steps):
    from jaxnn.perceptrons._learning import learn
    from jaxnn.perceptrons._perceptron import init as init_perceptron

    normalize = algorithm == "modified"

    def one(i):
        k_data, k_init, k_fit = jax.random.split(jax.random.fold_in(key, i), 3)
        x, y, w_star, kept = _separable_data(k_data, min_margin, dim, num_points, max_dim, 64)
        w, b = init_perceptron(max_dim, key=k_init)
        live = jnp.arange(max_dim) < dim
        init = PerceptronParams(init_scale * jnp.where(live, w, 0.0), init_scale * b)
        fit = learn(x, y, key=k_fit, algorithm=algorithm, init=init, max_steps=max_steps)
        delta = margin(w_star, x, y, normalize=normalize)
        bound = convergence_bound(w_star, x, y, init=init, normalize=normalize)
        met = kept >= num_points
        return ConvergenceTrials(delta, bound, fit.corrections, fit.steps, fit.converged, met)

    return jax.vmap(one)(jnp.arange(datasets))

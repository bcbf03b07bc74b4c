r"""Representation power of sigmoid networks (notes 3.4): the tower construction.

The notes claim that a network with a single hidden layer of sigmoid neurons can approximate any
continuous function to any desired precision. The constructive argument: two steep sigmoids with
different biases, combined with output weights +1 and -1, make a *tower* (a bump of height 1 on
[l, r]); a sum of towers, each as high as the target at its bin's centre, is a staircase that
follows the target as closely as the bins are narrow and the sigmoids steep:

.. math::
    \operatorname{tower}(x) = \sigma(w (x - l)) - \sigma(w (x - r)), \qquad
    \hat f(x) = \sum_{i=1}^{n} f(c_i) \, \operatorname{tower}_i(x)

and this *is* a 1-n-1 network: hidden neurons with weights w and biases -w l_i, -w r_i, output
weights +f(c_i), -f(c_i). In two dimensions a tower in x plus a tower in y is a cross of height 2
at the cell where they meet; another steep sigmoid with threshold 3/2 keeps only the cell, a 2-D
tower, and the sum of 2-D towers is a network with two hidden layers.

Every function here is pure and jits; the number of towers fixes shapes and is static, the heights,
edges and steepness are arrays that may be traced (``vmap`` over a steepness sweep works).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import jax
import jax.numpy as jnp
import numpy as np
from jax.typing import ArrayLike

from jaxnn._validation import (
    check_finite,
    check_finite_positive,
    check_int_range,
    check_numeric,
    float_dtype,
    is_concrete,
)
from jaxnn.feedforward._network import Dense

__all__ = [
    "BIN_STEEPNESS",
    "THRESHOLD_STEEPNESS",
    "tower_approximation",
    "tower_approximation_2d",
    "tower",
    "tower_2d",
    "tower_network",
    "tower_network_2d",
    "tower_sum",
    "tower_sum_2d",
]

BIN_STEEPNESS = 100.0
"""Default steepness times bin width, w (r - l): each step rises from 1% to 99% in 0.09 bins."""

THRESHOLD_STEEPNESS = 50.0
"""Default steepness of the second-layer sigmoid that turns a cross into a 2-D tower."""

_MAX_TOWERS = 2**20


def _arrays(*xs):
    """Lists and tuples as NumPy arrays; arrays, tracers and Python scalars (weakly typed) as is."""
    return tuple(np.asarray(x) if isinstance(x, list | tuple) else x for x in xs)


def _check_edges(name: str, edges: ArrayLike, n: int) -> None:
    if np.shape(edges) != (n + 1,):
        raise ValueError(
            f"{name} must have shape ({n + 1},) (n + 1 edges for {n} towers), "
            f"got shape {np.shape(edges)}"
        )
    check_finite(name, edges)
    if is_concrete(edges) and not np.all(np.diff(np.asarray(edges)) > 0):
        raise ValueError(f"{name} must be strictly increasing, got {np.asarray(edges).tolist()}")


def _check_heights(name: str, heights: ArrayLike, ndim: int) -> tuple[int, ...]:
    shape = np.shape(heights)
    if len(shape) != ndim or 0 in shape:
        want = "(n,)" if ndim == 1 else "(n_x, n_y)"
        raise ValueError(f"{name} must have shape {want} with n >= 1, got shape {shape}")
    check_finite(name, heights)
    return shape


def _check_interval(lo: ArrayLike, hi: ArrayLike, size: int | None = None) -> None:
    for name, v in (("lo", lo), ("hi", hi)):
        want = () if size is None else (size,)
        if np.shape(v) != want:
            raise ValueError(f"{name} must have shape {want}, got shape {np.shape(v)}")
        check_numeric(name, v)
        check_finite(name, v)
    if is_concrete(lo) and is_concrete(hi) and not np.all(np.asarray(lo) < np.asarray(hi)):
        raise ValueError(
            f"lo must be < hi, got lo={np.asarray(lo).tolist()} and hi={np.asarray(hi).tolist()}"
        )


def _check_grid(
    heights: ArrayLike,
    x_edges: ArrayLike,
    y_edges: ArrayLike,
    steepness: ArrayLike,
    threshold_steepness: ArrayLike,
) -> tuple[int, int]:
    """Checks the arguments of a sum of 2-D towers; returns the cells per axis (n_x, n_y)."""
    nx, ny = _check_heights("heights", heights, 2)
    _check_edges("x_edges", x_edges, nx)
    _check_edges("y_edges", y_edges, ny)
    check_finite_positive("steepness", steepness)
    check_finite_positive("threshold_steepness", threshold_steepness)
    return nx, ny


def _check_x(name: str, x: ArrayLike, ndim: int) -> None:
    if np.ndim(x) != ndim:
        want = "1-D (points,)" if ndim == 1 else "2-D (points, 2)"
        raise ValueError(f"{name} must be {want}, got shape {np.shape(x)}")
    if ndim == 2 and np.shape(x)[1] != 2:
        raise ValueError(f"{name} must have 2 columns (x, y), got shape {np.shape(x)}")
    check_numeric(name, x)


def tower(x: ArrayLike, left: ArrayLike, right: ArrayLike, *, steepness: ArrayLike) -> jax.Array:
    r"""One tower: two steep sigmoids with biases -w l and -w r, combined with weights +1 and -1.

    .. math:: \operatorname{tower}(x) = \sigma(w (x - l)) - \sigma(w (x - r))

    About 1 on (l, r), about 0 outside, 1/2 at the edges when w (r - l) is large.

    Args:
      x: points, any shape.
      left: the left edge l, a scalar.
      right: the right edge r, a scalar (> l for a bump, else a negative bump).
      steepness: the hidden weight w > 0, a scalar.

    Returns:
      The tower at every point, with the shape of ``x``.
    """
    x, left, right, steepness = _arrays(x, left, right, steepness)
    check_finite_positive("steepness", steepness)
    dtype = float_dtype(x, left, right, steepness)
    x, left, right, w = (jnp.asarray(v, dtype) for v in (x, left, right, steepness))
    return jax.nn.sigmoid(w * (x - left)) - jax.nn.sigmoid(w * (x - right))


def tower_sum(
    x: ArrayLike, heights: ArrayLike, edges: ArrayLike, *, steepness: ArrayLike
) -> jax.Array:
    r"""The sum of towers, written as the formula (the network `tower_network` builds computes it).

    .. math::
        \hat f(x) = \sum_{i=1}^{n} h_i \left[\sigma(w (x - e_{i-1})) - \sigma(w (x - e_i))\right]

    Args:
      x: points, shape (points,).
      heights: tower heights h_i, shape (n,).
      edges: strictly increasing bin edges e_0 .. e_n, shape (n + 1,); tower i spans
        [e_(i-1), e_i].
      steepness: the hidden weight w > 0, a scalar.

    Returns:
      The approximation at every point, shape (points,).
    """
    x, heights, edges, steepness = _arrays(x, heights, edges, steepness)
    _check_x("x", x, 1)
    (n,) = _check_heights("heights", heights, 1)
    _check_edges("edges", edges, n)
    check_finite_positive("steepness", steepness)
    dtype = float_dtype(x, heights, edges, steepness)
    x, h, e, w = (jnp.asarray(v, dtype) for v in (x, heights, edges, steepness))
    steps = jax.nn.sigmoid(w * (x[:, None] - e[None, :]))  # (points, n + 1)
    return (steps[:, :-1] - steps[:, 1:]) @ h


def tower_network(
    heights: ArrayLike, edges: ArrayLike, *, steepness: ArrayLike
) -> tuple[Dense, Dense]:
    r"""A sum of towers as a 1-(2n)-1 sigmoid network, for ``forward(..., output="linear")``.

    Hidden neurons 2i and 2i+1 are tower i's two steps; the output weights are +h_i and -h_i:

    .. math::
        W_1 = w \mathbf{1}_{2n \times 1}, \quad
        b_1 = -w (e_0, e_1, e_1, e_2, \dots, e_{n-1}, e_n), \quad
        W_2 = (h_1, -h_1, \dots, h_n, -h_n), \quad b_2 = 0

    Args:
      heights: tower heights h_i, shape (n,).
      edges: strictly increasing bin edges e_0 .. e_n, shape (n + 1,).
      steepness: the hidden weight w > 0, a scalar.

    Returns:
      ``(Dense(W1 (2n, 1), b1 (2n,)), Dense(W2 (1, 2n), b2 (1,)))``: with
      ``jaxnn.forward(params, x[:, None], activation="sigmoid", output="linear")`` it computes
      `tower_sum`.
    """
    heights, edges, steepness = _arrays(heights, edges, steepness)
    (n,) = _check_heights("heights", heights, 1)
    _check_edges("edges", edges, n)
    check_finite_positive("steepness", steepness)
    if np.ndim(steepness) != 0:
        raise ValueError(f"steepness must be a scalar, got shape {np.shape(steepness)}")
    dtype = float_dtype(heights, edges, steepness)
    h, e, w = (jnp.asarray(v, dtype) for v in (heights, edges, steepness))
    left_right = jnp.stack([e[:-1], e[1:]], axis=1).reshape(2 * n)
    hidden = Dense(jnp.full((2 * n, 1), w, dtype), -w * left_right)
    out = Dense(jnp.stack([h, -h], axis=1).reshape(1, 2 * n), jnp.zeros((1,), dtype))
    return hidden, out


def _bins(lo: jax.Array, hi: jax.Array, n: int) -> tuple[jax.Array, jax.Array, jax.Array]:
    """Bin centres and edges of n equal bins on [lo, hi]; the outer edges moved half a bin out.

    With the outermost steps exactly at lo and hi the network would give only half the end towers'
    heights there; half a bin outside, [lo, hi] lies inside the towers.
    """
    d = (hi - lo) / n
    centres = lo + (jnp.arange(n, dtype=d.dtype) + 0.5) * d
    edges = lo + jnp.arange(n + 1, dtype=d.dtype) * d
    edges = edges.at[0].add(-0.5 * d).at[-1].add(0.5 * d)
    return centres, edges, d


def _heights(f: Callable, args: tuple[jax.Array, ...], shape: tuple[int, ...]) -> jax.Array:
    if not callable(f):
        raise TypeError(f"f must be a callable, got {type(f).__name__}")
    values = jnp.asarray(f(*args))
    if values.shape != shape:
        raise ValueError(
            f"f must be vectorized: called on points of shape {shape} it returned shape "
            f"{values.shape}"
        )
    check_finite("f(centres)", values)
    return values


def tower_approximation(
    f: Callable[[jax.Array], jax.Array],
    lo: ArrayLike,
    hi: ArrayLike,
    n_towers: int,
    *,
    steepness: ArrayLike | None = None,
) -> tuple[Dense, Dense]:
    r"""The tower network approximating ``f`` on [lo, hi] with ``n_towers`` towers.

    [lo, hi] is cut into n bins of width d = (hi - lo) / n; tower i is as high as f at its bin's
    centre c_i. The outermost edges are moved half a bin outside [lo, hi] so that lo and hi lie
    inside the first and last towers rather than on their half-height edges:

    .. math::
        \hat f(x) = \sum_{i=1}^{n} f(c_i) \left[\sigma(w (x - e_{i-1}))
        - \sigma(w (x - e_i))\right], \quad c_i = lo + (i - \tfrac12) d

    For a continuous f the error falls as n grows provided w d stays large (the default keeps
    w d = `BIN_STEEPNESS`); a fixed w makes the staircase no sharper than 1/w, and the error stops
    falling.

    Args:
      f: the target, vectorized: ``f(x)`` for x of shape (n,) returns shape (n,).
      lo: the interval's left end, a scalar.
      hi: the interval's right end, a scalar > lo.
      n_towers: the number of towers n >= 1 (the network has 2n hidden neurons). Static.
      steepness: the hidden weight w > 0, a scalar; ``None`` for ``BIN_STEEPNESS / d``.

    Returns:
      ``(Dense, Dense)`` as `tower_network` returns them.
    """
    lo, hi, steepness = _arrays(lo, hi, steepness)
    n = check_int_range("n_towers", n_towers, 1, _MAX_TOWERS)
    _check_interval(lo, hi)
    if steepness is not None:
        check_finite_positive("steepness", steepness)
    dtype = float_dtype(lo, hi, 0.0 if steepness is None else steepness)
    centres, edges, d = _bins(jnp.asarray(lo, dtype), jnp.asarray(hi, dtype), n)
    w = BIN_STEEPNESS / d if steepness is None else jnp.asarray(steepness, dtype)
    return tower_network(_heights(f, (centres,), (n,)).astype(dtype), edges, steepness=w)


def _pair(name: str, value: ArrayLike, dtype) -> jax.Array:
    if np.ndim(value) not in (0, 1) or np.size(value) not in (1, 2):
        raise ValueError(f"{name} must be a scalar or a pair (x, y), got shape {np.shape(value)}")
    return jnp.broadcast_to(jnp.asarray(value, dtype).reshape(-1), (2,))


def tower_2d(
    xy: ArrayLike,
    x_edges: ArrayLike,
    y_edges: ArrayLike,
    *,
    steepness: ArrayLike,
    threshold_steepness: ArrayLike = THRESHOLD_STEEPNESS,
) -> jax.Array:
    r"""One 2-D tower: a tower in x plus a tower in y, through a steep sigmoid with threshold 3/2.

    .. math::
        \operatorname{tower}_2(x, y) = \sigma\!\left(v \left[\operatorname{tower}_x(x)
        + \operatorname{tower}_y(y) - \tfrac32\right]\right)

    The sum is about 2 on the cell [l_x, r_x] x [l_y, r_y], about 1 on the rest of the cross the
    two towers make, about 0 elsewhere; the outer sigmoid keeps the cell.

    Args:
      xy: points, shape (points, 2).
      x_edges: the cell's (l_x, r_x), shape (2,).
      y_edges: the cell's (l_y, r_y), shape (2,).
      steepness: the first-layer weight w > 0: a scalar, or a pair (w_x, w_y).
      threshold_steepness: the second-layer weight v > 0, a scalar.

    Returns:
      The 2-D tower at every point, shape (points,).
    """
    xy, x_edges, y_edges, steepness = _arrays(xy, x_edges, y_edges, steepness)
    _check_x("xy", xy, 2)
    for name, e in (("x_edges", x_edges), ("y_edges", y_edges)):
        _check_edges(name, e, 1)
    check_finite_positive("steepness", steepness)
    check_finite_positive("threshold_steepness", threshold_steepness)
    dtype = float_dtype(xy, x_edges, y_edges, steepness, threshold_steepness)
    xy = jnp.asarray(xy, dtype)
    w = _pair("steepness", steepness, dtype)
    tx = tower(xy[:, 0], x_edges[0], x_edges[1], steepness=w[0])
    ty = tower(xy[:, 1], y_edges[0], y_edges[1], steepness=w[1])
    return jax.nn.sigmoid(jnp.asarray(threshold_steepness, dtype) * (tx + ty - 1.5))


def tower_sum_2d(
    xy: ArrayLike,
    heights: ArrayLike,
    x_edges: ArrayLike,
    y_edges: ArrayLike,
    *,
    steepness: ArrayLike,
    threshold_steepness: ArrayLike = THRESHOLD_STEEPNESS,
) -> jax.Array:
    r"""The sum of 2-D towers, written as the formula (`tower_network_2d` computes it).

    .. math::
        \hat f(x, y) = \sum_{i, j} h_{ij} \, \sigma\!\left(v \left[\operatorname{tower}^x_i(x)
        + \operatorname{tower}^y_j(y) - \tfrac32\right]\right)

    Args:
      xy: points, shape (points, 2).
      heights: h_ij, shape (n_x, n_y).
      x_edges: strictly increasing edges in x, shape (n_x + 1,).
      y_edges: strictly increasing edges in y, shape (n_y + 1,).
      steepness: the first-layer weight w > 0: a scalar, or a pair (w_x, w_y).
      threshold_steepness: the second-layer weight v > 0, a scalar.

    Returns:
      The approximation at every point, shape (points,).
    """
    xy, heights, x_edges, y_edges, steepness = _arrays(xy, heights, x_edges, y_edges, steepness)
    _check_x("xy", xy, 2)
    nx, ny = _check_grid(heights, x_edges, y_edges, steepness, threshold_steepness)
    dtype = float_dtype(xy, heights, x_edges, y_edges, steepness, threshold_steepness)
    xy, h, ex, ey = (jnp.asarray(v, dtype) for v in (xy, heights, x_edges, y_edges))
    w = _pair("steepness", steepness, dtype)
    sx = jax.nn.sigmoid(w[0] * (xy[:, :1] - ex[None, :]))  # (points, n_x + 1)
    sy = jax.nn.sigmoid(w[1] * (xy[:, 1:] - ey[None, :]))  # (points, n_y + 1)
    tx, ty = sx[:, :-1] - sx[:, 1:], sy[:, :-1] - sy[:, 1:]
    v = jnp.asarray(threshold_steepness, dtype)
    cells = jax.nn.sigmoid(v * (tx[:, :, None] + ty[:, None, :] - 1.5))  # (points, n_x, n_y)
    return jnp.einsum("pij,ij->p", cells, h)


def tower_network_2d(
    heights: ArrayLike,
    x_edges: ArrayLike,
    y_edges: ArrayLike,
    *,
    steepness: ArrayLike,
    threshold_steepness: ArrayLike = THRESHOLD_STEEPNESS,
) -> tuple[Dense, Dense, Dense]:
    r"""A sum of 2-D towers as a 2-(2 n_x + 2 n_y)-(n_x n_y)-1 sigmoid network.

    Layer 1 holds the steps: 2 n_x neurons that see only x (x-tower i is neurons 2i, 2i+1) and
    2 n_y that see only y. Layer 2 has one neuron per cell (i, j) (neuron i n_y + j) with weights
    +v, -v on x-tower i's steps, +v, -v on y-tower j's and bias -3v/2; the output weights are h_ij:

    .. math::
        h^{(2)}_{ij} = \sigma\!\left(v \left[h^{(1)}_{2i} - h^{(1)}_{2i+1} + h^{(1)}_{2n_x + 2j}
        - h^{(1)}_{2n_x + 2j + 1} - \tfrac32\right]\right), \qquad
        \hat f = \sum_{i, j} h_{ij} \, h^{(2)}_{ij}

    Args:
      heights: the output weights h_ij, shape (n_x, n_y).
      x_edges: where the x-steps sit (layer-1 biases -w e), strictly increasing, (n_x + 1,).
      y_edges: where the y-steps sit, the same in y, (n_y + 1,).
      steepness: layer 1's weight w > 0 on its input, or a pair (w_x, w_y).
      threshold_steepness: layer 2's weight v > 0 (a scalar), its bias -3v/2.

    Returns:
      Three `Dense` layers for ``jaxnn.forward(params, xy, activation="sigmoid",
      output="linear")``, which then computes `tower_sum_2d`.
    """
    heights, x_edges, y_edges, steepness = _arrays(heights, x_edges, y_edges, steepness)
    nx, ny = _check_grid(heights, x_edges, y_edges, steepness, threshold_steepness)
    if np.ndim(threshold_steepness) != 0:
        raise ValueError(
            f"threshold_steepness must be a scalar, got shape {np.shape(threshold_steepness)}"
        )
    dtype = float_dtype(heights, x_edges, y_edges, steepness, threshold_steepness)
    h, ex, ey = (jnp.asarray(v, dtype) for v in (heights, x_edges, y_edges))
    w = _pair("steepness", steepness, dtype)
    v = jnp.asarray(threshold_steepness, dtype)

    def steps(e, n, axis):  # tower i's left and right steps, along one input axis
        lr = jnp.stack([e[:-1], e[1:]], axis=1).reshape(2 * n)
        W = jnp.zeros((2 * n, 2), dtype).at[:, axis].set(w[axis])
        return W, -w[axis] * lr

    (Wx, bx), (Wy, by) = steps(ex, nx, 0), steps(ey, ny, 1)
    layer1 = Dense(jnp.concatenate([Wx, Wy]), jnp.concatenate([bx, by]))
    plus_minus = jnp.asarray([1.0, -1.0], dtype)
    ax = jnp.kron(jnp.eye(nx, dtype=dtype), plus_minus[None, :])  # (n_x, 2 n_x)
    ay = jnp.kron(jnp.eye(ny, dtype=dtype), plus_minus[None, :])  # (n_y, 2 n_y)
    W2 = v * jnp.concatenate([jnp.repeat(ax, ny, axis=0), jnp.tile(ay, (nx, 1))], axis=1)
    layer2 = Dense(W2, jnp.full((nx * ny,), -1.5, dtype) * v)
    layer3 = Dense(h.reshape(1, nx * ny), jnp.zeros((1,), dtype))
    return layer1, layer2, layer3


def tower_approximation_2d(
    f: Callable[[jax.Array, jax.Array], jax.Array],
    lo: ArrayLike,
    hi: ArrayLike,
    n_towers: int | Sequence[int],
    *,
    steepness: ArrayLike | None = None,
    threshold_steepness: ArrayLike = THRESHOLD_STEEPNESS,
) -> tuple[Dense, Dense, Dense]:
    r"""The 2-D tower network approximating ``f(x, y)`` on the rectangle [lo, hi].

    Each axis is cut into bins as in `tower_approximation` (outer edges half a bin outside);
    the tower on cell (i, j) is as high as f at the cell's centre:

    .. math:: \hat f(x, y) = \sum_{i, j} f(c^x_i, c^y_j) \, \operatorname{tower}_{2, ij}(x, y)

    Where four cells meet, each 2-D tower is at its cross's level (1/2 + 1/2 < 3/2), so the network
    dips towards 0 in a neighbourhood of each inner grid corner of width about 1/w: the maximum
    error does not fall with more towers, the mean error does.

    Args:
      f: the target, vectorized: ``f(x, y)`` for x, y of shape (n_x, n_y) returns (n_x, n_y).
      lo: the lower-left corner (x_lo, y_lo), shape (2,).
      hi: the upper-right corner (x_hi, y_hi), shape (2,), each > lo's.
      n_towers: towers per axis: an int n (n x n cells) or a pair (n_x, n_y). Static.
      steepness: the first-layer weight w > 0 (scalar or pair); ``None`` for ``BIN_STEEPNESS``
        over each axis's bin width.
      threshold_steepness: the second-layer weight v > 0, a scalar.

    Returns:
      Three `Dense` layers, as `tower_network_2d` returns them.
    """
    lo, hi, steepness = _arrays(lo, hi, steepness)
    counts = (n_towers, n_towers) if np.ndim(n_towers) == 0 else tuple(n_towers)
    if len(counts) != 2:
        raise ValueError(f"n_towers must be an int or a pair (n_x, n_y), got {n_towers!r}")
    nx, ny = (check_int_range("n_towers", c, 1, 2**12) for c in counts)
    _check_interval(lo, hi, size=2)
    if steepness is not None:
        check_finite_positive("steepness", steepness)
    dtype = float_dtype(lo, hi, 0.0 if steepness is None else steepness)
    lo, hi = jnp.asarray(lo, dtype), jnp.asarray(hi, dtype)
    cx, ex, dx = _bins(lo[0], hi[0], nx)
    cy, ey, dy = _bins(lo[1], hi[1], ny)
    if steepness is None:
        steepness = BIN_STEEPNESS / jnp.stack([dx, dy])
    gx, gy = jnp.meshgrid(cx, cy, indexing="ij")
    heights = _heights(f, (gx, gy), (nx, ny)).astype(dtype)
    return tower_network_2d(
        heights, ex, ey, steepness=steepness, threshold_steepness=threshold_steepness
    )

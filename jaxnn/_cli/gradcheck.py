"""``jaxnn gradcheck``: explicit backprop against jax.grad and finite differences, per layer."""

from __future__ import annotations

import argparse

HELP = "check explicit backprop against jax.grad and finite differences (float64)"


def register(p: argparse.ArgumentParser) -> None:
    p.description = (
        "Builds a random network and random data, then compares the gradient of "
        "Algorithm 6 with jax.grad and with central finite differences, layer by layer."
    )
    p.add_argument("--sizes", default="64,32,10", help="layer sizes n_0,...,n_L (default 64,32,10)")
    p.add_argument("-a", "--activation", default="tanh", help="hidden activation (default tanh)")
    p.add_argument(
        "-l", "--loss", default="cross_entropy", help="cross_entropy, mse or binary_cross_entropy"
    )
    p.add_argument(
        "-o", "--output", default=None, help="linear, softmax or sigmoid (default: fits the loss)"
    )
    p.add_argument("--batch", type=int, default=8, help="examples in the random batch (default 8)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument(
        "--max-fd-entries",
        type=int,
        default=512,
        help="finite differences for at most this many entries per layer (default 512)",
    )
    p.set_defaults(func=run)


def _sizes(text: str) -> tuple[int, ...]:
    from jaxnn._cli import UsageError

    try:
        sizes = tuple(int(s) for s in text.split(","))
    except ValueError:
        raise UsageError(
            f"--sizes must be comma-separated integers like 64,32,10, got {text!r}"
        ) from None
    if len(sizes) < 2:
        raise UsageError(f"--sizes needs at least an input and an output width, got {text!r}")
    return sizes


def _problem(seed: int, sizes: tuple[int, ...], batch: int, loss: str):
    """A random network of ``sizes`` and a random batch with the targets the loss takes (its
    registry entry's ``targets``): labels for ``classes``, 0/1 for ``unit``, reals otherwise."""
    import jax
    import jax.numpy as jnp

    from jaxnn.feedforward import get_loss, init

    k_params, k_x, k_y = jax.random.split(jax.random.key(seed), 3)
    params = init(sizes, key=k_params)
    x = jax.random.normal(k_x, (batch, sizes[0]))
    k, targets = sizes[-1], get_loss(loss).targets
    if targets == "classes":
        y = jax.random.randint(k_y, (batch,), 0, k)
    elif targets == "unit":
        y = jax.random.bernoulli(k_y, 0.5, (batch, k)).astype(jnp.float32)
    else:
        y = jax.random.normal(k_y, (batch, k))
    return params, x, y


def run(args: argparse.Namespace) -> dict:
    from jaxnn._cli import UsageError, seed_flag
    from jaxnn._util import markdown_table
    from jaxnn.feedforward import check_gradients, get_activation
    from jaxnn.feedforward._losses import auto_output, get_loss, resolve_loss
    from jaxnn.training._settings import check_setting

    seed_flag(args.seed)
    sizes = _sizes(args.sizes)
    if args.batch < 1:
        raise UsageError(f"--batch must be at least 1, got {args.batch}")
    if args.max_fd_entries < 1:
        raise UsageError(f"--max-fd-entries must be at least 1, got {args.max_fd_entries}")
    activation = get_activation(args.activation)
    try:
        loss_name = check_setting("loss", args.loss)
    except ValueError as e:
        raise UsageError(str(e)) from None
    # mse's random targets are real values: auto is linear for them, as for any regression
    output = args.output or auto_output(loss_name, regression=get_loss(loss_name).targets == "real")
    loss = resolve_loss(loss_name, output)

    params, x, y = _problem(args.seed, sizes, args.batch, loss)
    records = check_gradients(
        params,
        x,
        y,
        activation=activation,
        output=output,
        loss=loss,
        seed=args.seed,
        max_fd_entries=args.max_fd_entries,
    )
    headers = [
        "layer",
        "W shape",
        "vs jax.grad: max abs",
        "max rel",
        "vs finite diff: max abs",
        "max rel",
        "entries",
        "ok",
    ]
    rows = [
        (
            r.layer,
            "x".join(map(str, r.shape)),
            f"{r.autodiff_max_abs:.2e}",
            f"{r.autodiff_max_rel:.2e}",
            f"{r.fd_max_abs:.2e}",
            f"{r.fd_max_rel:.2e}",
            r.fd_entries,
            r.ok,
        )
        for r in records
    ]
    print(
        f"sizes {','.join(map(str, sizes))}, activation {activation.name}, output {output}, "
        f"loss {loss}, batch {args.batch}, seed {args.seed} (float64)\n"
    )
    print(markdown_table(headers, rows))
    passed = all(r.ok for r in records)
    verdict = "PASS: every layer is" if passed else "FAIL: not every layer is"
    print(f"\n{verdict} within relative error 1e-10 of jax.grad and 1e-06 of finite differences")
    return {
        "sizes": list(sizes),
        "activation": activation.name,
        "output": output,
        "loss": loss,
        "batch": args.batch,
        "seed": args.seed,
        "passed": passed,
        "layers": [{**r._asdict(), "shape": list(r.shape)} for r in records],
    }

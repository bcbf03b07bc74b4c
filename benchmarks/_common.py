"""Timing and machine description shared by the benchmarks."""

from __future__ import annotations

import json
import os
import platform
import re
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "Bench",
    "Timing",
    "child_json",
    "digits_data",
    "devices_env",
    "fresh_json",
    "load_average",
    "machine",
    "ratio",
    "time_fn",
    "torch_epochs",
    "torch_run",
]


@dataclass
class Timing:
    """Seconds over repeated runs: median, min and max."""

    median: float
    min: float
    max: float
    runs: int

    def __str__(self) -> str:
        return f"{self.median:.4g} s [{self.min:.4g}, {self.max:.4g}]"

    def asdict(self) -> dict[str, float]:
        return {"median": self.median, "min": self.min, "max": self.max, "runs": self.runs}


@dataclass
class Bench:
    """A benchmark's result: a Markdown table, what it means, and the raw numbers."""

    table: str
    notes: str = ""
    data: dict[str, Any] = field(default_factory=dict)


def timing(values: list[float]) -> Timing:
    """The median, min and max of measured seconds."""
    return Timing(statistics.median(values), min(values), max(values), len(values))


def time_fn(fn: Callable[[], Any], *, repeats: int = 5, warmup: int = 1) -> Timing:
    """Times ``fn()`` (which must block until its result is ready) ``repeats`` times."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return timing(times)


def ratio(slow: Timing, fast: Timing) -> str:
    """``slow / fast`` with the range from the extremes, as text."""
    lo, hi = slow.min / fast.max, slow.max / fast.min
    return f"{slow.median / fast.median:.2f}x [{lo:.2f}, {hi:.2f}]"


def machine() -> dict[str, Any]:
    """CPU model, cores, GPU (if JAX sees one) and library versions."""
    import jax

    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    info: dict[str, Any] = {
        "cpu": cpu,
        "cores": len(os.sched_getaffinity(0)),
        "python": platform.python_version(),
        "jax": jax.__version__,
        "backend": jax.default_backend(),
        "devices": [str(d) for d in jax.devices()],
    }
    gpus = [d.device_kind for d in jax.devices() if d.platform == "gpu"]
    if gpus:
        info["gpu"] = gpus[0]
    return info


def devices_env() -> dict[str, str]:
    """``os.environ`` with one XLA host device per core on CPU (what ``jaxnn sweep`` sets), for a
    child process: the flag must be set before JAX starts."""
    env = dict(os.environ)
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    flags = re.sub(r"--xla_force_host_platform_device_count=\S*", "", env.get("XLA_FLAGS", ""))
    env["XLA_FLAGS"] = f"{flags.strip()} --xla_force_host_platform_device_count={cores}".strip()
    return env


def child_json(module: str, payload: Any, env: dict[str, str] | None = None) -> Any:
    """Runs ``python -m MODULE JSON(payload)`` from the checkout in a fresh process and returns
    the JSON its last printed line holds.

    A fresh process compiles from cold, so its timings include compilation. ``env`` defaults to
    `devices_env` (one XLA host device per core).
    """
    env = devices_env() if env is None else env
    child = subprocess.run(
        [sys.executable, "-m", module, json.dumps(payload)],
        env=env,
        cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
        capture_output=True,
        text=True,
        check=False,
    )
    if child.returncode != 0:
        raise RuntimeError(f"benchmark child {module} failed:\n{child.stderr[-3000:]}")
    return json.loads(child.stdout.strip().splitlines()[-1])


def fresh_json(code: str, env: dict[str, str] | None = None) -> Any:
    """Runs ``python -c CODE`` from the checkout in a fresh process and returns the JSON its last
    printed line holds (``env`` defaults to this process's)."""
    child = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(child.stdout.strip().splitlines()[-1])


def digits_data(copies: int = 1, seed: int = 0) -> Any:
    """The digits `Dataset`; with ``copies`` > 1 its training split is that many copies of itself,
    each but the first with Gaussian noise (std 0.05 of the feature scale) added: a training set
    large enough that training, not compiling, takes most of a run."""
    import numpy as np

    import jaxnn

    data = jaxnn.load_dataset("digits")
    if copies == 1:
        return data
    rng = np.random.default_rng(seed)
    x, y = np.asarray(data.x_train), np.asarray(data.y_train)
    scale = 0.05 * float(x.std())
    xs = [x] + [x + rng.normal(0, scale, x.shape).astype(x.dtype) for _ in range(copies - 1)]
    return data._replace(x_train=np.concatenate(xs), y_train=np.tile(y, copies))


def torch_run(data: Any, setting: dict[str, Any], seed: int = 0) -> float:
    """One PyTorch eager training run of a setting (as jaxnn's: its sizes, activation,
    optimizer, learning rate, L2 weight decay on the weights, init, batch size and epochs, the
    last partial batch dropped); returns the test loss. Call ``torch.set_num_threads(1)``
    first."""
    import numpy as np
    import torch

    torch.manual_seed(seed)
    x = torch.from_numpy(np.array(data.x_train))
    y = torch.from_numpy(np.array(data.y_train)).long()
    activation = {"sigmoid": torch.nn.Sigmoid, "tanh": torch.nn.Tanh, "relu": torch.nn.ReLU}
    sizes = setting["sizes"]
    layers = []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        lin = torch.nn.Linear(n_in, n_out)
        init = setting.get("weight_init", "xavier")
        std = {"random": 0.1, "xavier": (2.0 / (n_in + n_out)) ** 0.5, "he": (2.0 / n_in) ** 0.5}
        torch.nn.init.normal_(lin.weight, std=std[init])
        torch.nn.init.zeros_(lin.bias)
        layers.append(lin)
        if i < len(sizes) - 2:
            layers.append(activation[setting.get("activation", "tanh")]())
    model = torch.nn.Sequential(*layers)
    weights = [p for n, p in model.named_parameters() if n.endswith("weight")]
    biases = [p for n, p in model.named_parameters() if n.endswith("bias")]
    groups = [
        {"params": weights, "weight_decay": setting.get("weight_decay", 0.0)},
        {"params": biases, "weight_decay": 0.0},
    ]
    lr, name = setting.get("learning_rate", 1e-3), setting.get("optimizer", "adam")
    opt = {
        "sgd": lambda: torch.optim.SGD(groups, lr=lr),
        "momentum": lambda: torch.optim.SGD(groups, lr=lr, momentum=0.9),
        "nag": lambda: torch.optim.SGD(groups, lr=lr, momentum=0.9, nesterov=True),
        "rmsprop": lambda: torch.optim.RMSprop(groups, lr=lr, alpha=0.9, eps=1e-8),
        "adam": lambda: torch.optim.Adam(groups, lr=lr, eps=1e-8),
        "nadam": lambda: torch.optim.NAdam(groups, lr=lr, eps=1e-8),
    }[name]()
    loss_fn = torch.nn.CrossEntropyLoss()
    torch_epochs(model, opt, x, y, setting.get("batch_size", 32), setting.get("epochs", 10))
    with torch.no_grad():
        x_test = torch.from_numpy(np.array(data.x_test))
        return float(loss_fn(model(x_test), torch.from_numpy(np.array(data.y_test)).long()))


def torch_epochs(model, opt, x, y, batch_size: int, epochs: int, generator=None) -> None:
    """PyTorch eager minibatch training with cross-entropy, as jaxnn's: a new permutation every
    epoch, the last partial batch dropped."""
    import torch

    loss_fn = torch.nn.CrossEntropyLoss()
    for _ in range(epochs):
        perm = torch.randperm(len(x), generator=generator)
        for i in range(len(x) // batch_size):
            idx = perm[i * batch_size : (i + 1) * batch_size]
            opt.zero_grad()
            loss = loss_fn(model(x[idx]), y[idx])
            loss.backward()
            opt.step()


def load_average() -> tuple[float, ...]:
    """The 1, 5 and 15 minute load averages, rounded."""
    return tuple(round(x, 2) for x in os.getloadavg())

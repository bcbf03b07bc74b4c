"""The public surface: every name of every ``__all__`` resolves; each namespaced name is defined
where it lives, under that name; each flat name is one line of the alias block in
``jaxnn/__init__.py`` and the same object as its namespaced name; and what the README, the docs
and the namespaces' docstrings say about the namespaces is true."""

import ast
import importlib
import re
import types
from pathlib import Path

import pytest

import jaxnn

ROOT = Path(__file__).resolve().parents[1]
NAMESPACES = ("perceptrons", "sigmoid", "feedforward", "training", "sweeps")
# Defined in the plumbing and public only as flat names (docs/api/jaxnn.md says so).
FLAT_ONLY = {
    "compilation_cache",
    "markdown_table",
    "plot_confusion_matrix",
    "plot_histories",
    "plot_history",
    "plot_parallel_coordinates",
    "plot_sweep_heatmap",
    "save_png",
}


@pytest.mark.parametrize("module", ["jaxnn", *(f"jaxnn.{n}" for n in NAMESPACES)])
def test_every_name_of_every_all_resolves(module):
    mod = importlib.import_module(module)
    assert len(mod.__all__) == len(set(mod.__all__)), module
    missing = [name for name in mod.__all__ if not hasattr(mod, name)]
    assert missing == [], f"{module}: {missing}"


@pytest.mark.parametrize("namespace", NAMESPACES)
def test_namespaced_names_are_defined_where_they_live(namespace):
    """A function or class keeps the name it was defined under, in a module of its namespace."""
    mod = getattr(jaxnn, namespace)
    checked = 0
    for name in mod.__all__:
        obj = getattr(mod, name)
        if isinstance(obj, types.FunctionType | type):
            assert obj.__name__ == name, f"jaxnn.{namespace}.{name} is defined as {obj.__name__}"
            assert obj.__module__.startswith(f"jaxnn.{namespace}."), (name, obj.__module__)
            checked += 1
    assert checked >= 5


@pytest.mark.parametrize("namespace", NAMESPACES)
def test_namespaces_import_each_name_from_the_module_that_defines_it(namespace):
    """No re-export through a second module: the namespace names the module (or the package) that
    defines the function or class."""
    init = ROOT / "jaxnn" / namespace / "__init__.py"
    elsewhere = []
    for node in ast.parse(init.read_text()).body:
        if not isinstance(node, ast.ImportFrom):
            continue
        source = importlib.import_module(node.module)
        for alias in node.names:
            obj = getattr(source, alias.name)
            if not isinstance(obj, types.FunctionType | type):
                continue
            home = obj.__module__
            package = hasattr(source, "__path__") and home.startswith(f"{node.module}.")
            if home != node.module and not package:
                elsewhere.append(f"{alias.name}: from {node.module}, defined in {home}")
    assert elsewhere == []


def _alias_block() -> dict[str, str]:
    """The flat aliases of jaxnn/__init__.py: ``name = namespace.attribute`` at the top level."""
    tree = ast.parse((ROOT / "jaxnn" / "__init__.py").read_text())
    aliases = {}
    for node in tree.body:
        if (
            isinstance(node, ast.Assign)
            and isinstance(node.value, ast.Attribute)
            and isinstance(node.value.value, ast.Name)
        ):
            (target,) = node.targets
            aliases[target.id] = f"{node.value.value.id}.{node.value.attr}"
    return aliases


def test_every_flat_name_is_an_alias_of_a_namespaced_name():
    aliases = _alias_block()
    flat = set(jaxnn.__all__) - set(NAMESPACES) - FLAT_ONLY
    assert set(aliases) == flat
    for name, target in aliases.items():
        namespace, attr = target.split(".")
        assert namespace in NAMESPACES and attr in getattr(jaxnn, namespace).__all__, target
        assert getattr(jaxnn, name) is getattr(getattr(jaxnn, namespace), attr), name
    for name in FLAT_ONLY:
        assert getattr(jaxnn, name).__module__ in ("jaxnn._plots", "jaxnn._util"), name


def _pages() -> list[Path]:
    return [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]


def _identity_claims() -> list[tuple[str, str, str]]:
    """Every "``a`` is ``b``" the pages and the namespaces' docstrings make about two names."""
    name = r"(jaxnn(?:\.\w+)+)"
    claim = re.compile(rf"`{{0,2}}{name}`{{0,2}}\s+is\s+`{{0,2}}{name}")
    texts = {p.relative_to(ROOT).as_posix(): p.read_text() for p in _pages()}
    texts |= {f"jaxnn.{n}": getattr(jaxnn, n).__doc__ for n in NAMESPACES}
    texts["jaxnn"] = jaxnn.__doc__
    return [(where, a, b) for where, text in texts.items() for a, b in claim.findall(text)]


def _resolve(dotted: str):
    obj = jaxnn
    for part in dotted.split(".")[1:]:
        obj = getattr(obj, part)
    return obj


def test_what_the_pages_say_about_the_namespaces_is_true():
    claims = _identity_claims()
    assert len(claims) >= 4  # the docs' and the docstrings' examples were read
    wrong = [c for c in claims if _resolve(c[1]) is not _resolve(c[2])]
    assert wrong == []


def test_the_earlier_positional_keys_still_work():
    """Where a renamed function's key became keyword-only, the earlier call gives the same."""
    import jax
    import jax.numpy as jnp
    import numpy as np

    key = jax.random.key(3)
    a, b = jaxnn.init_perceptron(key, 3), jaxnn.perceptrons.init(3, key=key)
    assert np.array_equal(a.w, b.w) and np.array_equal(a.b, b.b)
    old = jaxnn.init_mlp(key, (2, 3, 2), init="he")
    new = jaxnn.feedforward.init((2, 3, 2), key=key, weight_init="he")
    assert all(np.array_equal(p.W, q.W) for p, q in zip(old, new))
    x = jnp.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    y = jnp.array([0, 1, 1, 1])
    old, new = jaxnn.learn_perceptron(x, y, key), jaxnn.perceptrons.learn(x, y, key=key)
    assert np.array_equal(old.params.w, new.params.w) and int(old.steps) == int(new.steps)
    table = jnp.array([0, 1, 1, 0])
    (old, _), (new, _) = (
        jaxnn.fit_perceptron_network(table, key, algorithm="random"),
        jaxnn.perceptrons.fit_network(table, key=key, algorithm="random"),
    )
    assert np.array_equal(old.output.w, new.output.w)
    small = dict(datasets=2, num_points=5, max_dim=3, max_steps=50)
    old = jaxnn.perceptrons.convergence_trials(key, 0.1, 2, **small)
    new = jaxnn.perceptrons.convergence_trials(0.1, 2, key=key, **small)
    assert all(np.array_equal(a, b) for a, b in zip(old, new))
    with pytest.raises(TypeError, match="learn takes one key, as a keyword"):
        jaxnn.perceptrons.learn(x, y, key, key=key)
    with pytest.raises(TypeError, match="init needs a PRNG key"):
        jaxnn.perceptrons.init(3)

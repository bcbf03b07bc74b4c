"""The section-2 experiments run, write their figures and report that the notes' claims held."""

import pytest

from experiments import registry

NAMES = [
    "mp_neuron",
    "perceptron_two_inputs",
    "convergence_bound",
    "boolean_counts",
    "xor_perceptron",
    "network_of_perceptrons",
]


def test_registered_in_section_order():
    modules = registry()
    assert set(NAMES) <= set(modules)
    order = [n for n in modules if n in NAMES]
    assert order == NAMES
    assert all(modules[n].SECTION.startswith("2.") for n in NAMES)


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_experiment_holds(name, tmp_path):
    result = registry()[name].run(tmp_path, seed=0)
    assert result.verdict.startswith("Held"), result.verdict
    assert result.figures and all((tmp_path / f).is_file() for f in result.figures)
    assert result.table.startswith("|")

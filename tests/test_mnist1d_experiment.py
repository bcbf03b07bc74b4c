"""The MNIST-1D experiment holds jaxnn against the paper's table (Greydanus 2020): 32% and 68%."""

from __future__ import annotations

import pytest

from experiments import mnist1d_paper


@pytest.mark.slow
def test_mnist1d_matches_the_papers_table(tmp_path):
    res = mnist1d_paper.run(tmp_path, seed=0)
    means = res.data["mean"]
    accs = res.data["test_accuracy"]
    for name, paper in mnist1d_paper.PAPER.items():
        assert len(accs[name]) == mnist1d_paper.SEEDS  # one per vmapped seed
        assert len(set(accs[name])) > 1  # the seeds differ
        assert abs(means[name] - paper) <= mnist1d_paper.TOLERANCE[name], (name, means[name])
    assert means["MLP"] > means["softmax regression"] + 0.25
    assert res.held is True
    assert "32%" in res.table and "68%" in res.table and "residual" in res.verdict
    assert res.figures == ["test_accuracy.png"] and (tmp_path / "test_accuracy.png").stat().st_size

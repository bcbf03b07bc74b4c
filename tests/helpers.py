"""Shared by several test modules (importable because pytest puts tests/ on sys.path)."""

# Every (output, loss) pair the notes use; written out here, not taken from jaxnn, so that a pair
# jaxnn dropped would fail the tests.
PAIRS = [
    ("softmax", "cross_entropy"),
    ("sigmoid", "binary_cross_entropy"),
    ("linear", "mse"),
    ("softmax", "mse"),
    ("sigmoid", "mse"),
]


def fake_experiments(root, figures: int = 1, pause: float = 0.0) -> str:
    """Writes an experiments folder of one fake experiment under ``root`` (for ``jaxnn demo
    --experiments``): it writes ``figures`` PNG files, pausing ``pause`` seconds after each."""
    import textwrap

    folder = root / "exps"
    folder.mkdir()
    (folder / "__init__.py").write_text('"""Fake experiments."""\n')
    (folder / "fake.py").write_text(
        textwrap.dedent(f"""
        import time
        from types import SimpleNamespace
        TITLE, SECTION, ORDER = "fake", "0", 1
        def run(out, *, seed=0):
            names = ["a.png"] if {figures} == 1 else [f"f{{i}}.png" for i in range({figures})]
            for name in names:
                (out / name).write_bytes(b"png" * 1000)
                time.sleep({pause})
            return SimpleNamespace(claim="c", table="t", figures=names, held=True,
                                   verdict="v", summary="Held: v", data={{}})
        """)
    )
    return str(folder)

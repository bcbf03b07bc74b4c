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

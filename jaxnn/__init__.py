"""jaxnn: classic neural networks as the lecture notes derive them, as pure JAX functions.

From the McCulloch-Pitts neuron to backpropagation: parameters are NamedTuples of arrays, every
function jits and vmaps. See README.md for a map from each section of the notes to its module.
"""

# --- threshold units (notes section 2) ---

# --- sigmoid neurons, gradient descent, feed-forward networks, backprop (notes sections 3-4) ---

# --- universal approximation (notes 3.4) ---

# --- training, data, checkpoints (issue 4) ---

# --- sweeps (issue 5) ---

__version__ = "0.1.0"

__all__ = [
    # threshold units
    # sigmoid / feed-forward / backprop
    # universal approximation
    # training
    # sweeps
]

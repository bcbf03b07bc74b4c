"""jaxnn: classic neural networks as the lecture notes derive them, as pure JAX functions.

From the McCulloch-Pitts neuron to backpropagation: parameters are NamedTuples of arrays, every
function jits and vmaps. See README.md for a map from each section of the notes to its module.
"""

# --- threshold units (notes section 2) ---

# --- sigmoid neurons, gradient descent, feed-forward networks, backprop (notes sections 3-4) ---
from jaxnn._activations import ACTIVATIONS as ACTIVATIONS
from jaxnn._activations import Activation as Activation
from jaxnn._activations import get_activation as get_activation
from jaxnn._activations import leaky_relu as leaky_relu
from jaxnn._activations import make_activation as make_activation
from jaxnn._backprop import backprop as backprop
from jaxnn._backprop import loss_fn as loss_fn
from jaxnn._backprop import per_example_grads as per_example_grads
from jaxnn._feedforward import Dense as Dense
from jaxnn._feedforward import ForwardCache as ForwardCache
from jaxnn._feedforward import forward as forward
from jaxnn._feedforward import init_mlp as init_mlp
from jaxnn._feedforward import layer_sizes as layer_sizes
from jaxnn._output_and_loss import LOSSES as LOSSES
from jaxnn._output_and_loss import OUTPUTS as OUTPUTS
from jaxnn._output_and_loss import loss_from_logits as loss_from_logits
from jaxnn._output_and_loss import loss_grad_wrt_logits as loss_grad_wrt_logits
from jaxnn._output_and_loss import output_fn as output_fn

# --- universal approximation (notes 3.4) ---

# --- training, data, checkpoints (issue 4) ---

# --- sweeps (issue 5) ---

__version__ = "0.1.0"

__all__ = [
    # threshold units
    # sigmoid / feed-forward / backprop
    "ACTIVATIONS",
    "Activation",
    "Dense",
    "ForwardCache",
    "LOSSES",
    "OUTPUTS",
    "backprop",
    "forward",
    "get_activation",
    "init_mlp",
    "layer_sizes",
    "leaky_relu",
    "loss_fn",
    "loss_from_logits",
    "loss_grad_wrt_logits",
    "make_activation",
    "output_fn",
    "per_example_grads",
    # universal approximation
    # training
    # sweeps
]

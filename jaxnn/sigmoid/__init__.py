"""Sigmoid neurons and gradient descent, notes section 3: the sigmoid neuron, its error surface,
gradient descent (Algorithms 3 and 4, one implementation) and universal approximation by towers
of sigmoid neurons (3.4).

Names lose the prefixes of their flat aliases and are defined under these names:
``jaxnn.sigmoid.neuron`` is ``jaxnn.sigmoid_neuron``, ``jaxnn.sigmoid.grads`` is
``jaxnn.sigmoid_neuron_grads`` (`jaxnn` keeps the flat names as aliases).
"""

from jaxnn.sigmoid._gradient_descent import GradientDescentResult as GradientDescentResult
from jaxnn.sigmoid._gradient_descent import gradient_descent as gradient_descent
from jaxnn.sigmoid._neuron import SigmoidNeuronParams as SigmoidNeuronParams
from jaxnn.sigmoid._neuron import SigmoidNeuronTrajectory as SigmoidNeuronTrajectory
from jaxnn.sigmoid._neuron import error_surface as error_surface
from jaxnn.sigmoid._neuron import grads as grads
from jaxnn.sigmoid._neuron import loss as loss
from jaxnn.sigmoid._neuron import neuron as neuron
from jaxnn.sigmoid._neuron import neuron_gradient_descent as neuron_gradient_descent
from jaxnn.sigmoid._towers import BIN_STEEPNESS as BIN_STEEPNESS
from jaxnn.sigmoid._towers import THRESHOLD_STEEPNESS as THRESHOLD_STEEPNESS
from jaxnn.sigmoid._towers import tower as tower
from jaxnn.sigmoid._towers import tower_2d as tower_2d
from jaxnn.sigmoid._towers import tower_approximation as tower_approximation
from jaxnn.sigmoid._towers import tower_approximation_2d as tower_approximation_2d
from jaxnn.sigmoid._towers import tower_network as tower_network
from jaxnn.sigmoid._towers import tower_network_2d as tower_network_2d
from jaxnn.sigmoid._towers import tower_sum as tower_sum
from jaxnn.sigmoid._towers import tower_sum_2d as tower_sum_2d

# every name imported above, and nothing else, is public (a private one starts with "_")
__all__ = sorted((name for name in globals() if not name.startswith("_")), key=str.lower)

"""Feed-forward networks, notes section 4: layers and initialization, forward propagation
(Algorithm 5), activations g with their derivatives, output functions O and losses (values in
registries), backpropagation (Algorithm 6) and the gradient check against ``jax.grad``.

``init(sizes, key=...)`` is also ``jaxnn.init_mlp``: one function, which takes the earlier form
``init_mlp(key, sizes, init=...)`` too.
"""

from jaxnn.feedforward._activations import ACTIVATIONS as ACTIVATIONS
from jaxnn.feedforward._activations import Activation as Activation
from jaxnn.feedforward._activations import get_activation as get_activation
from jaxnn.feedforward._activations import leaky_relu as leaky_relu
from jaxnn.feedforward._activations import make_activation as make_activation
from jaxnn.feedforward._backprop import backprop as backprop
from jaxnn.feedforward._backprop import loss_fn as loss_fn
from jaxnn.feedforward._backprop import per_example_grads as per_example_grads
from jaxnn.feedforward._gradient_check import LayerGradientCheck as LayerGradientCheck
from jaxnn.feedforward._gradient_check import check_gradients as check_gradients
from jaxnn.feedforward._losses import LOSS_ALIASES as LOSS_ALIASES
from jaxnn.feedforward._losses import LOSSES as LOSSES
from jaxnn.feedforward._losses import OUTPUTS as OUTPUTS
from jaxnn.feedforward._losses import Loss as Loss
from jaxnn.feedforward._losses import Output as Output
from jaxnn.feedforward._losses import get_loss as get_loss
from jaxnn.feedforward._losses import get_output as get_output
from jaxnn.feedforward._losses import loss_from_logits as loss_from_logits
from jaxnn.feedforward._losses import loss_grad_wrt_logits as loss_grad_wrt_logits
from jaxnn.feedforward._losses import output_fn as output_fn
from jaxnn.feedforward._network import INITS as INITS
from jaxnn.feedforward._network import Dense as Dense
from jaxnn.feedforward._network import ForwardCache as ForwardCache
from jaxnn.feedforward._network import forward as forward
from jaxnn.feedforward._network import init as init
from jaxnn.feedforward._network import layer_sizes as layer_sizes

# every name imported above, and nothing else, is public (a private one starts with "_")
__all__ = sorted((name for name in globals() if not name.startswith("_")), key=str.lower)

init_mlp = init  # the earlier name of init (not in __all__: jaxnn.init_mlp is its flat alias)

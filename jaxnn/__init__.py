"""jaxnn: classic neural networks as the lecture notes derive them, as pure JAX functions.

From the McCulloch-Pitts neuron to backpropagation: parameters are NamedTuples of arrays, every
function jits and vmaps. The chapters of the notes are subpackages, the layers built on them too,
and each name is defined there:

- `jaxnn.perceptrons`: notes section 2, threshold units.
- `jaxnn.sigmoid`: notes section 3, sigmoid neurons, gradient descent, towers.
- `jaxnn.feedforward`: notes section 4, networks, activations, outputs and losses, backprop.
- `jaxnn.training`: the settings table, the training loop, fit, data, checkpoints.
- `jaxnn.sweeps`: vectorized hyperparameter sweeps.

The flat names (``jaxnn.learn_perceptron``, ``jaxnn.init_mlp``, ...) are aliases of namespaced
names, kept in one block below; the figure and table helpers and
`compilation_cache` exist only here.
"""

from jaxnn import feedforward as feedforward
from jaxnn import perceptrons as perceptrons
from jaxnn import sigmoid as sigmoid
from jaxnn import sweeps as sweeps
from jaxnn import training as training

# isort: split

# --- figures and tables: defined in the plumbing, public only here ---
from jaxnn._plots import plot_confusion_matrix as plot_confusion_matrix
from jaxnn._plots import plot_histories as plot_histories
from jaxnn._plots import plot_history as plot_history
from jaxnn._plots import plot_parallel_coordinates as plot_parallel_coordinates
from jaxnn._plots import plot_sweep_heatmap as plot_sweep_heatmap
from jaxnn._plots import save_png as save_png
from jaxnn._util import compilation_cache as compilation_cache
from jaxnn._util import markdown_table as markdown_table

__version__ = "0.1.0"

# --- the flat aliases: each the same object as the namespaced name it names -----------------
# Kept for the code written against the flat names; new names are added to the namespaces only.
# threshold units (notes section 2)
boolean_functions = perceptrons.boolean_functions
boolean_inputs = perceptrons.boolean_inputs
BooleanFunctions = perceptrons.BooleanFunctions
canonical_form = perceptrons.canonical_form
classify_boolean_functions = perceptrons.classify
convergence_bound = perceptrons.convergence_bound
count_threshold_functions = perceptrons.count_threshold_functions
fit_perceptron_network = perceptrons.fit_network
function_number = perceptrons.function_number
init_perceptron = perceptrons.init
is_threshold_function = perceptrons.is_threshold_function
learn_perceptron = perceptrons.learn
linear_separability = perceptrons.separability
mp_neuron = perceptrons.mp_neuron
mp_neuron_search = perceptrons.mp_search
mp_neuron_settings = perceptrons.mp_settings
mp_representable = perceptrons.mp_representable
MPNeuronSearch = perceptrons.MPNeuronSearch
perceptron = perceptrons.perceptron
perceptron_network = perceptrons.network
perceptron_network_apply = perceptrons.network_apply
perceptron_network_exact = perceptrons.network_exact
perceptron_points = perceptrons.points
PerceptronFit = perceptrons.PerceptronFit
PerceptronNetwork = perceptrons.PerceptronNetwork
PerceptronParams = perceptrons.PerceptronParams
Separability = perceptrons.Separability
separable_data = perceptrons.separable_data
separation_margin = perceptrons.margin
ThresholdClasses = perceptrons.ThresholdClasses
ThresholdCount = perceptrons.ThresholdCount
TWO_INPUT_FUNCTION_NAMES = perceptrons.TWO_INPUT_FUNCTION_NAMES

# sigmoid neurons, gradient descent, universal approximation (notes section 3)
BIN_STEEPNESS = sigmoid.BIN_STEEPNESS
fit_towers = sigmoid.tower_approximation
fit_towers_2d = sigmoid.tower_approximation_2d
gradient_descent = sigmoid.gradient_descent
GradientDescentResult = sigmoid.GradientDescentResult
sigmoid_neuron = sigmoid.neuron
sigmoid_neuron_error_surface = sigmoid.error_surface
sigmoid_neuron_gradient_descent = sigmoid.neuron_gradient_descent
sigmoid_neuron_grads = sigmoid.grads
sigmoid_neuron_loss = sigmoid.loss
SigmoidNeuronParams = sigmoid.SigmoidNeuronParams
SigmoidNeuronTrajectory = sigmoid.SigmoidNeuronTrajectory
THRESHOLD_STEEPNESS = sigmoid.THRESHOLD_STEEPNESS
tower = sigmoid.tower
tower_2d = sigmoid.tower_2d
tower_approximation = sigmoid.tower_approximation
tower_approximation_2d = sigmoid.tower_approximation_2d
tower_network = sigmoid.tower_network
tower_network_2d = sigmoid.tower_network_2d
tower_sum = sigmoid.tower_sum
tower_sum_2d = sigmoid.tower_sum_2d

# feed-forward networks and backpropagation (notes section 4)
Activation = feedforward.Activation
ACTIVATIONS = feedforward.ACTIVATIONS
backprop = feedforward.backprop
check_gradients = feedforward.check_gradients
Dense = feedforward.Dense
forward = feedforward.forward
ForwardCache = feedforward.ForwardCache
get_activation = feedforward.get_activation
get_loss = feedforward.get_loss
get_output = feedforward.get_output
init_mlp = feedforward.init
layer_sizes = feedforward.layer_sizes
LayerGradientCheck = feedforward.LayerGradientCheck
leaky_relu = feedforward.leaky_relu
Loss = feedforward.Loss
loss_fn = feedforward.loss_fn
loss_from_logits = feedforward.loss_from_logits
loss_grad_wrt_logits = feedforward.loss_grad_wrt_logits
LOSSES = feedforward.LOSSES
make_activation = feedforward.make_activation
Output = feedforward.Output
output_fn = feedforward.output_fn
OUTPUTS = feedforward.OUTPUTS
per_example_grads = feedforward.per_example_grads

# training: settings, the loop, fit, optimizers, data, checkpoints, metrics
accuracy = training.accuracy
checked_train = training.checked_train
CheckFailed = training.CheckFailed
Checkpoint = training.Checkpoint
confusion_matrix = training.confusion_matrix
Dataset = training.Dataset
DATASETS = training.DATASETS
EpochMetrics = training.EpochMetrics
evaluate = training.evaluate
Evaluation = training.Evaluation
fit = training.fit
FitResult = training.FitResult
HParams = training.HParams
init_state = training.init_state
load_checkpoint = training.load_checkpoint
load_dataset = training.load_dataset
load_model = training.load_model
make_config = training.make_config
make_hparams = training.make_hparams
make_optimizer = training.make_optimizer
Model = training.Model
OPTIMIZERS = training.OPTIMIZERS
params_sha256 = training.params_sha256
predict = training.predict
predicted_classes = training.predicted_classes
Preprocessing = training.Preprocessing
read_idx = training.read_idx
save_checkpoint = training.save_checkpoint
Setting = training.Setting
SETTINGS = training.SETTINGS
split_dataset = training.split_dataset
train = training.train
train_epoch = training.train_epoch
train_epochs = training.train_epochs
TrainConfig = training.TrainConfig
TrainState = training.TrainState
write_idx = training.write_idx

# sweeps
grid = sweeps.grid
log_range = sweeps.log_range
random_settings = sweeps.random_settings
sweep = sweeps.sweep
SweepResult = sweeps.SweepResult

# Every name above, and nothing else, is public: the namespaces, the plumbing's helpers and the
# flat aliases (a name added to this module is exported; a private one starts with "_").
__all__ = sorted((name for name in globals() if not name.startswith("_")), key=str.lower)

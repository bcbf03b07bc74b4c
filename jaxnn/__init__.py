"""jaxnn: classic neural networks as the lecture notes derive them, as pure JAX functions.

From the McCulloch-Pitts neuron to backpropagation: parameters are NamedTuples of arrays, every
function jits and vmaps. The chapters of the notes are subpackages, the layers built on them too:

- `jaxnn.perceptrons`: notes section 2, threshold units.
- `jaxnn.sigmoid`: notes section 3, sigmoid neurons, gradient descent, towers.
- `jaxnn.feedforward`: notes section 4, networks, activations, outputs and losses, backprop.
- `jaxnn.training`: the settings table, the training loop, fit, data, checkpoints.
- `jaxnn.sweeps`: vectorized hyperparameter sweeps.

The flat names below (``jaxnn.learn_perceptron``, ``jaxnn.init_mlp``, ...) stay as aliases.
"""

from jaxnn import feedforward as feedforward
from jaxnn import perceptrons as perceptrons
from jaxnn import sigmoid as sigmoid
from jaxnn import sweeps as sweeps
from jaxnn import training as training

# isort: split

# --- threshold units (notes section 2) ---
from jaxnn.perceptrons._boolean import TWO_INPUT_FUNCTION_NAMES as TWO_INPUT_FUNCTION_NAMES
from jaxnn.perceptrons._boolean import BooleanFunctions as BooleanFunctions
from jaxnn.perceptrons._boolean import Separability as Separability
from jaxnn.perceptrons._boolean import boolean_functions as boolean_functions
from jaxnn.perceptrons._boolean import boolean_inputs as boolean_inputs
from jaxnn.perceptrons._boolean import classify_boolean_functions as classify_boolean_functions
from jaxnn.perceptrons._boolean import function_number as function_number
from jaxnn.perceptrons._boolean import linear_separability as linear_separability
from jaxnn.perceptrons._convergence import convergence_bound as convergence_bound
from jaxnn.perceptrons._convergence import separable_data as separable_data
from jaxnn.perceptrons._convergence import separation_margin as separation_margin
from jaxnn.perceptrons._counting import ThresholdClasses as ThresholdClasses
from jaxnn.perceptrons._counting import ThresholdCount as ThresholdCount
from jaxnn.perceptrons._counting import canonical_form as canonical_form
from jaxnn.perceptrons._counting import count_threshold_functions as count_threshold_functions
from jaxnn.perceptrons._counting import is_threshold_function as is_threshold_function
from jaxnn.perceptrons._learning import PerceptronFit as PerceptronFit
from jaxnn.perceptrons._learning import learn_perceptron as learn_perceptron
from jaxnn.perceptrons._learning import perceptron_points as perceptron_points
from jaxnn.perceptrons._mp_neuron import MPNeuronSearch as MPNeuronSearch
from jaxnn.perceptrons._mp_neuron import mp_neuron as mp_neuron
from jaxnn.perceptrons._mp_neuron import mp_neuron_search as mp_neuron_search
from jaxnn.perceptrons._mp_neuron import mp_neuron_settings as mp_neuron_settings
from jaxnn.perceptrons._mp_neuron import mp_representable as mp_representable
from jaxnn.perceptrons._network import PerceptronNetwork as PerceptronNetwork
from jaxnn.perceptrons._network import fit_perceptron_network as fit_perceptron_network
from jaxnn.perceptrons._network import perceptron_network as perceptron_network
from jaxnn.perceptrons._network import perceptron_network_apply as perceptron_network_apply
from jaxnn.perceptrons._network import perceptron_network_exact as perceptron_network_exact
from jaxnn.perceptrons._perceptron import PerceptronParams as PerceptronParams
from jaxnn.perceptrons._perceptron import init_perceptron as init_perceptron
from jaxnn.perceptrons._perceptron import perceptron as perceptron

# isort: split

# --- sigmoid neurons, gradient descent, universal approximation (notes section 3) ---
from jaxnn.sigmoid._gradient_descent import GradientDescentResult as GradientDescentResult
from jaxnn.sigmoid._gradient_descent import gradient_descent as gradient_descent
from jaxnn.sigmoid._neuron import SigmoidNeuronParams as SigmoidNeuronParams
from jaxnn.sigmoid._neuron import SigmoidNeuronTrajectory as SigmoidNeuronTrajectory
from jaxnn.sigmoid._neuron import sigmoid_neuron as sigmoid_neuron
from jaxnn.sigmoid._neuron import sigmoid_neuron_error_surface as sigmoid_neuron_error_surface
from jaxnn.sigmoid._neuron import sigmoid_neuron_gradient_descent as sigmoid_neuron_gradient_descent
from jaxnn.sigmoid._neuron import sigmoid_neuron_grads as sigmoid_neuron_grads
from jaxnn.sigmoid._neuron import sigmoid_neuron_loss as sigmoid_neuron_loss
from jaxnn.sigmoid._towers import BIN_STEEPNESS as BIN_STEEPNESS
from jaxnn.sigmoid._towers import THRESHOLD_STEEPNESS as THRESHOLD_STEEPNESS
from jaxnn.sigmoid._towers import fit_towers as fit_towers
from jaxnn.sigmoid._towers import fit_towers_2d as fit_towers_2d
from jaxnn.sigmoid._towers import tower as tower
from jaxnn.sigmoid._towers import tower_2d as tower_2d
from jaxnn.sigmoid._towers import tower_approximation as tower_approximation
from jaxnn.sigmoid._towers import tower_approximation_2d as tower_approximation_2d
from jaxnn.sigmoid._towers import tower_network as tower_network
from jaxnn.sigmoid._towers import tower_network_2d as tower_network_2d
from jaxnn.sigmoid._towers import tower_sum as tower_sum
from jaxnn.sigmoid._towers import tower_sum_2d as tower_sum_2d

# isort: split

# --- feed-forward networks and backpropagation (notes section 4) ---
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
from jaxnn.feedforward._losses import LOSSES as LOSSES
from jaxnn.feedforward._losses import OUTPUTS as OUTPUTS
from jaxnn.feedforward._losses import Loss as Loss
from jaxnn.feedforward._losses import Output as Output
from jaxnn.feedforward._losses import get_loss as get_loss
from jaxnn.feedforward._losses import get_output as get_output
from jaxnn.feedforward._losses import loss_from_logits as loss_from_logits
from jaxnn.feedforward._losses import loss_grad_wrt_logits as loss_grad_wrt_logits
from jaxnn.feedforward._losses import output_fn as output_fn
from jaxnn.feedforward._network import Dense as Dense
from jaxnn.feedforward._network import ForwardCache as ForwardCache
from jaxnn.feedforward._network import forward as forward
from jaxnn.feedforward._network import init_mlp as init_mlp
from jaxnn.feedforward._network import layer_sizes as layer_sizes

# isort: split

# --- training: settings, the loop, fit, optimizers, data, checkpoints, metrics ---
from jaxnn.training._checked import CheckFailed as CheckFailed
from jaxnn.training._checked_train import checked_train as checked_train
from jaxnn.training._checkpoint import Checkpoint as Checkpoint
from jaxnn.training._checkpoint import load_checkpoint as load_checkpoint
from jaxnn.training._checkpoint import params_sha256 as params_sha256
from jaxnn.training._checkpoint import save_checkpoint as save_checkpoint
from jaxnn.training._data import Dataset as Dataset
from jaxnn.training._data import Preprocessing as Preprocessing
from jaxnn.training._data import split_dataset as split_dataset
from jaxnn.training._fit import FitResult as FitResult
from jaxnn.training._fit import fit as fit
from jaxnn.training._formats import read_idx as read_idx
from jaxnn.training._formats import write_idx as write_idx
from jaxnn.training._loop import EpochMetrics as EpochMetrics
from jaxnn.training._loop import HParams as HParams
from jaxnn.training._loop import TrainConfig as TrainConfig
from jaxnn.training._loop import TrainState as TrainState
from jaxnn.training._loop import init_state as init_state
from jaxnn.training._loop import make_config as make_config
from jaxnn.training._loop import make_hparams as make_hparams
from jaxnn.training._loop import train as train
from jaxnn.training._loop import train_epoch as train_epoch
from jaxnn.training._loop import train_epochs as train_epochs
from jaxnn.training._metrics import accuracy as accuracy
from jaxnn.training._metrics import confusion_matrix as confusion_matrix
from jaxnn.training._metrics import predicted_classes as predicted_classes
from jaxnn.training._model import Evaluation as Evaluation
from jaxnn.training._model import Model as Model
from jaxnn.training._model import evaluate as evaluate
from jaxnn.training._model import load_model as load_model
from jaxnn.training._model import predict as predict
from jaxnn.training._optimizers import OPTIMIZERS as OPTIMIZERS
from jaxnn.training._optimizers import make_optimizer as make_optimizer
from jaxnn.training._settings import SETTINGS as SETTINGS
from jaxnn.training._sources import DATASETS as DATASETS
from jaxnn.training._sources import load_dataset as load_dataset
from jaxnn.training._table import Setting as Setting

# isort: split

# --- sweeps ---
from jaxnn.sweeps._search_space import grid as grid
from jaxnn.sweeps._search_space import log_range as log_range
from jaxnn.sweeps._search_space import random_settings as random_settings
from jaxnn.sweeps._sweep import SweepResult as SweepResult
from jaxnn.sweeps._sweep import sweep as sweep

# isort: split

# --- figures and tables ---
from jaxnn._plots import plot_confusion_matrix as plot_confusion_matrix
from jaxnn._plots import plot_histories as plot_histories
from jaxnn._plots import plot_history as plot_history
from jaxnn._plots import plot_parallel_coordinates as plot_parallel_coordinates
from jaxnn._plots import plot_sweep_heatmap as plot_sweep_heatmap
from jaxnn._plots import save_png as save_png
from jaxnn._util import compilation_cache as compilation_cache
from jaxnn._util import markdown_table as markdown_table

__version__ = "0.1.0"

__all__ = [
    "accuracy",
    "Activation",
    "ACTIVATIONS",
    "backprop",
    "BIN_STEEPNESS",
    "boolean_functions",
    "boolean_inputs",
    "BooleanFunctions",
    "canonical_form",
    "count_threshold_functions",
    "is_threshold_function",
    "ThresholdClasses",
    "ThresholdCount",
    "check_gradients",
    "CheckFailed",
    "checked_train",
    "Checkpoint",
    "classify_boolean_functions",
    "compilation_cache",
    "confusion_matrix",
    "convergence_bound",
    "Dataset",
    "DATASETS",
    "Dense",
    "EpochMetrics",
    "Evaluation",
    "evaluate",
    "feedforward",
    "fit",
    "fit_perceptron_network",
    "fit_towers",
    "fit_towers_2d",
    "FitResult",
    "forward",
    "ForwardCache",
    "function_number",
    "get_activation",
    "get_loss",
    "get_output",
    "gradient_descent",
    "GradientDescentResult",
    "grid",
    "HParams",
    "init_mlp",
    "init_perceptron",
    "init_state",
    "layer_sizes",
    "LayerGradientCheck",
    "leaky_relu",
    "learn_perceptron",
    "linear_separability",
    "load_checkpoint",
    "load_dataset",
    "load_model",
    "log_range",
    "Loss",
    "loss_fn",
    "loss_from_logits",
    "loss_grad_wrt_logits",
    "LOSSES",
    "make_activation",
    "make_config",
    "make_hparams",
    "make_optimizer",
    "markdown_table",
    "mp_neuron",
    "mp_neuron_search",
    "mp_neuron_settings",
    "Model",
    "mp_representable",
    "MPNeuronSearch",
    "OPTIMIZERS",
    "Output",
    "output_fn",
    "OUTPUTS",
    "params_sha256",
    "per_example_grads",
    "perceptron",
    "perceptron_network",
    "perceptron_network_apply",
    "perceptron_network_exact",
    "perceptron_points",
    "PerceptronFit",
    "PerceptronNetwork",
    "PerceptronParams",
    "perceptrons",
    "plot_confusion_matrix",
    "plot_histories",
    "plot_history",
    "plot_parallel_coordinates",
    "plot_sweep_heatmap",
    "predict",
    "predicted_classes",
    "Preprocessing",
    "random_settings",
    "read_idx",
    "save_checkpoint",
    "save_png",
    "Separability",
    "separable_data",
    "separation_margin",
    "Setting",
    "SETTINGS",
    "sigmoid",
    "sigmoid_neuron",
    "sigmoid_neuron_error_surface",
    "sigmoid_neuron_gradient_descent",
    "sigmoid_neuron_grads",
    "sigmoid_neuron_loss",
    "SigmoidNeuronParams",
    "SigmoidNeuronTrajectory",
    "split_dataset",
    "sweep",
    "SweepResult",
    "sweeps",
    "THRESHOLD_STEEPNESS",
    "tower",
    "tower_2d",
    "tower_approximation",
    "tower_approximation_2d",
    "tower_network",
    "tower_network_2d",
    "tower_sum",
    "tower_sum_2d",
    "train",
    "train_epoch",
    "train_epochs",
    "TrainConfig",
    "training",
    "TrainState",
    "TWO_INPUT_FUNCTION_NAMES",
    "write_idx",
]

"""jaxnn: classic neural networks as the lecture notes derive them, as pure JAX functions.

From the McCulloch-Pitts neuron to backpropagation: parameters are NamedTuples of arrays, every
function jits and vmaps. See README.md for a map from each section of the notes to its module.
"""

# --- threshold units (notes section 2) ---
from jaxnn._boolean_functions import TWO_INPUT_FUNCTION_NAMES as TWO_INPUT_FUNCTION_NAMES
from jaxnn._boolean_functions import BooleanFunctions as BooleanFunctions
from jaxnn._boolean_functions import Separability as Separability
from jaxnn._boolean_functions import boolean_functions as boolean_functions
from jaxnn._boolean_functions import boolean_inputs as boolean_inputs
from jaxnn._boolean_functions import classify_boolean_functions as classify_boolean_functions
from jaxnn._boolean_functions import function_number as function_number
from jaxnn._boolean_functions import linear_separability as linear_separability
from jaxnn._convergence_bound import convergence_bound as convergence_bound
from jaxnn._convergence_bound import separable_data as separable_data
from jaxnn._convergence_bound import separation_margin as separation_margin
from jaxnn._mp_neuron import MPNeuronSearch as MPNeuronSearch
from jaxnn._mp_neuron import mp_neuron as mp_neuron
from jaxnn._mp_neuron import mp_neuron_search as mp_neuron_search
from jaxnn._mp_neuron import mp_neuron_settings as mp_neuron_settings
from jaxnn._mp_neuron import mp_representable as mp_representable
from jaxnn._network_of_perceptrons import PerceptronNetwork as PerceptronNetwork
from jaxnn._network_of_perceptrons import fit_perceptron_network as fit_perceptron_network
from jaxnn._network_of_perceptrons import perceptron_network as perceptron_network
from jaxnn._network_of_perceptrons import perceptron_network_apply as perceptron_network_apply
from jaxnn._network_of_perceptrons import perceptron_network_exact as perceptron_network_exact
from jaxnn._perceptron import PerceptronParams as PerceptronParams
from jaxnn._perceptron import init_perceptron as init_perceptron
from jaxnn._perceptron import perceptron as perceptron
from jaxnn._perceptron_learning import PerceptronFit as PerceptronFit
from jaxnn._perceptron_learning import learn_perceptron as learn_perceptron
from jaxnn._perceptron_learning import perceptron_points as perceptron_points
from jaxnn._threshold_counting import ThresholdClasses as ThresholdClasses
from jaxnn._threshold_counting import ThresholdCount as ThresholdCount
from jaxnn._threshold_counting import canonical_form as canonical_form
from jaxnn._threshold_counting import count_threshold_functions as count_threshold_functions
from jaxnn._threshold_counting import is_threshold_function as is_threshold_function

# isort: split

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
from jaxnn._gradient_check import LayerGradientCheck as LayerGradientCheck
from jaxnn._gradient_check import check_gradients as check_gradients
from jaxnn._gradient_descent import GradientDescentResult as GradientDescentResult
from jaxnn._gradient_descent import gradient_descent as gradient_descent
from jaxnn._output_and_loss import LOSSES as LOSSES
from jaxnn._output_and_loss import OUTPUTS as OUTPUTS
from jaxnn._output_and_loss import loss_from_logits as loss_from_logits
from jaxnn._output_and_loss import loss_grad_wrt_logits as loss_grad_wrt_logits
from jaxnn._output_and_loss import output_fn as output_fn
from jaxnn._sigmoid_neuron import SigmoidNeuronParams as SigmoidNeuronParams
from jaxnn._sigmoid_neuron import SigmoidNeuronTrajectory as SigmoidNeuronTrajectory
from jaxnn._sigmoid_neuron import sigmoid_neuron as sigmoid_neuron
from jaxnn._sigmoid_neuron import sigmoid_neuron_error_surface as sigmoid_neuron_error_surface
from jaxnn._sigmoid_neuron import sigmoid_neuron_gradient_descent as sigmoid_neuron_gradient_descent
from jaxnn._sigmoid_neuron import sigmoid_neuron_grads as sigmoid_neuron_grads
from jaxnn._sigmoid_neuron import sigmoid_neuron_loss as sigmoid_neuron_loss

# isort: split

# --- universal approximation (notes 3.4) ---
from jaxnn._universal_approximation import BIN_STEEPNESS as BIN_STEEPNESS
from jaxnn._universal_approximation import THRESHOLD_STEEPNESS as THRESHOLD_STEEPNESS
from jaxnn._universal_approximation import fit_towers as fit_towers
from jaxnn._universal_approximation import fit_towers_2d as fit_towers_2d
from jaxnn._universal_approximation import tower as tower
from jaxnn._universal_approximation import tower_2d as tower_2d
from jaxnn._universal_approximation import tower_network as tower_network
from jaxnn._universal_approximation import tower_network_2d as tower_network_2d
from jaxnn._universal_approximation import tower_sum as tower_sum
from jaxnn._universal_approximation import tower_sum_2d as tower_sum_2d

# isort: split

# --- training, data, checkpoints (issue 4) ---
from jaxnn._checkpoint import Checkpoint as Checkpoint
from jaxnn._checkpoint import load_checkpoint as load_checkpoint
from jaxnn._checkpoint import params_sha256 as params_sha256
from jaxnn._checkpoint import save_checkpoint as save_checkpoint
from jaxnn._data import DATASETS as DATASETS
from jaxnn._data import Dataset as Dataset
from jaxnn._data import load_dataset as load_dataset
from jaxnn._data import read_idx as read_idx
from jaxnn._data import split_dataset as split_dataset
from jaxnn._data import write_idx as write_idx
from jaxnn._fit import FitResult as FitResult
from jaxnn._fit import fit as fit
from jaxnn._metrics import accuracy as accuracy
from jaxnn._metrics import confusion_matrix as confusion_matrix
from jaxnn._optimizers import OPTIMIZERS as OPTIMIZERS
from jaxnn._optimizers import make_optimizer as make_optimizer
from jaxnn._plots import plot_confusion_matrix as plot_confusion_matrix
from jaxnn._plots import plot_histories as plot_histories
from jaxnn._plots import plot_history as plot_history
from jaxnn._training import EpochMetrics as EpochMetrics
from jaxnn._training import HParams as HParams
from jaxnn._training import TrainConfig as TrainConfig
from jaxnn._training import TrainState as TrainState
from jaxnn._training import evaluate as evaluate
from jaxnn._training import init_state as init_state
from jaxnn._training import make_config as make_config
from jaxnn._training import make_hparams as make_hparams
from jaxnn._training import predict as predict
from jaxnn._training import train as train
from jaxnn._training import train_epoch as train_epoch

# isort: split

# --- sweeps (issue 5) ---
from jaxnn._search_space import grid as grid
from jaxnn._search_space import log_range as log_range
from jaxnn._search_space import random_settings as random_settings
from jaxnn._sweep import SweepResult as SweepResult
from jaxnn._sweep import sweep as sweep
from jaxnn._sweep_plots import plot_parallel_coordinates as plot_parallel_coordinates
from jaxnn._sweep_plots import plot_sweep_heatmap as plot_sweep_heatmap

__version__ = "0.1.0"

__all__ = [
    # threshold units
    "TWO_INPUT_FUNCTION_NAMES",
    "BooleanFunctions",
    "MPNeuronSearch",
    "PerceptronFit",
    "PerceptronNetwork",
    "PerceptronParams",
    "Separability",
    "ThresholdClasses",
    "ThresholdCount",
    "boolean_functions",
    "boolean_inputs",
    "canonical_form",
    "classify_boolean_functions",
    "convergence_bound",
    "count_threshold_functions",
    "fit_perceptron_network",
    "function_number",
    "init_perceptron",
    "is_threshold_function",
    "learn_perceptron",
    "linear_separability",
    "mp_neuron",
    "mp_neuron_search",
    "mp_neuron_settings",
    "mp_representable",
    "perceptron",
    "perceptron_network",
    "perceptron_network_apply",
    "perceptron_network_exact",
    "perceptron_points",
    "separable_data",
    "separation_margin",
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
    "GradientDescentResult",
    "LayerGradientCheck",
    "SigmoidNeuronParams",
    "SigmoidNeuronTrajectory",
    "check_gradients",
    "gradient_descent",
    "sigmoid_neuron",
    "sigmoid_neuron_error_surface",
    "sigmoid_neuron_gradient_descent",
    "sigmoid_neuron_grads",
    "sigmoid_neuron_loss",
    # universal approximation
    "BIN_STEEPNESS",
    "THRESHOLD_STEEPNESS",
    "fit_towers",
    "fit_towers_2d",
    "tower",
    "tower_2d",
    "tower_network",
    "tower_network_2d",
    "tower_sum",
    "tower_sum_2d",
    # training
    "Checkpoint",
    "DATASETS",
    "Dataset",
    "EpochMetrics",
    "FitResult",
    "HParams",
    "OPTIMIZERS",
    "TrainConfig",
    "TrainState",
    "accuracy",
    "confusion_matrix",
    "evaluate",
    "fit",
    "init_state",
    "load_checkpoint",
    "load_dataset",
    "make_config",
    "make_hparams",
    "make_optimizer",
    "params_sha256",
    "plot_confusion_matrix",
    "plot_histories",
    "plot_history",
    "predict",
    "read_idx",
    "save_checkpoint",
    "split_dataset",
    "train",
    "train_epoch",
    "write_idx",
    # sweeps
    "SweepResult",
    "grid",
    "log_range",
    "plot_parallel_coordinates",
    "plot_sweep_heatmap",
    "random_settings",
    "sweep",
]

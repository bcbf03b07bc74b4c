"""Threshold units, notes section 2: the McCulloch-Pitts neuron, the perceptron and its learning
algorithm (Algorithms 1 and 2) with the convergence bound, boolean functions and exact linear
separability, and the network of 2^n perceptrons that represents any boolean function.

Names lose the prefixes of their flat aliases and are defined under these names:
``jaxnn.perceptrons.learn`` is ``jaxnn.learn_perceptron``, ``jaxnn.perceptrons.network`` is
``jaxnn.perceptron_network`` (`jaxnn` keeps the flat names as aliases).
"""

from jaxnn.perceptrons._boolean import MAX_ENUMERATION_N as MAX_ENUMERATION_N
from jaxnn.perceptrons._boolean import TWO_INPUT_FUNCTION_NAMES as TWO_INPUT_FUNCTION_NAMES
from jaxnn.perceptrons._boolean import BooleanFunctions as BooleanFunctions
from jaxnn.perceptrons._boolean import Separability as Separability
from jaxnn.perceptrons._boolean import boolean_functions as boolean_functions
from jaxnn.perceptrons._boolean import boolean_inputs as boolean_inputs
from jaxnn.perceptrons._boolean import classify as classify
from jaxnn.perceptrons._boolean import function_number as function_number
from jaxnn.perceptrons._boolean import separability as separability
from jaxnn.perceptrons._boolean import separable_by_lp as separable_by_lp
from jaxnn.perceptrons._convergence import ConvergenceTrials as ConvergenceTrials
from jaxnn.perceptrons._convergence import convergence_bound as convergence_bound
from jaxnn.perceptrons._convergence import convergence_trials as convergence_trials
from jaxnn.perceptrons._convergence import margin as margin
from jaxnn.perceptrons._convergence import separable_data as separable_data
from jaxnn.perceptrons._counting import ThresholdCandidates as ThresholdCandidates
from jaxnn.perceptrons._counting import ThresholdClasses as ThresholdClasses
from jaxnn.perceptrons._counting import ThresholdCount as ThresholdCount
from jaxnn.perceptrons._counting import canonical_form as canonical_form
from jaxnn.perceptrons._counting import count_threshold_functions as count_threshold_functions
from jaxnn.perceptrons._counting import decide_canonical as decide_canonical
from jaxnn.perceptrons._counting import estimate_cost as estimate_cost
from jaxnn.perceptrons._counting import is_threshold_function as is_threshold_function
from jaxnn.perceptrons._counting import threshold_candidates as threshold_candidates
from jaxnn.perceptrons._learning import ALGORITHMS as ALGORITHMS
from jaxnn.perceptrons._learning import PerceptronFit as PerceptronFit
from jaxnn.perceptrons._learning import learn as learn
from jaxnn.perceptrons._learning import points as points
from jaxnn.perceptrons._mp_neuron import MPNeuronSearch as MPNeuronSearch
from jaxnn.perceptrons._mp_neuron import mp_neuron as mp_neuron
from jaxnn.perceptrons._mp_neuron import mp_representable as mp_representable
from jaxnn.perceptrons._mp_neuron import mp_search as mp_search
from jaxnn.perceptrons._mp_neuron import mp_settings as mp_settings
from jaxnn.perceptrons._network import PerceptronNetwork as PerceptronNetwork
from jaxnn.perceptrons._network import fit_network as fit_network
from jaxnn.perceptrons._network import network as network
from jaxnn.perceptrons._network import network_apply as network_apply
from jaxnn.perceptrons._network import network_exact as network_exact
from jaxnn.perceptrons._perceptron import PerceptronParams as PerceptronParams
from jaxnn.perceptrons._perceptron import init as init
from jaxnn.perceptrons._perceptron import perceptron as perceptron

# every name imported above, and nothing else, is public (a private one starts with "_")
__all__ = sorted((name for name in globals() if not name.startswith("_")), key=str.lower)

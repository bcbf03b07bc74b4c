"""Counting the threshold functions of n variables exactly, by symmetry (notes 2.4, OEIS A000609).

Every threshold function is, after negating and permuting its inputs, a canonical positive one
whose true set is an up-set of the shift order. The canonical functions are found level by level,
each candidate decided exactly by a small linear program whose answer is turned into an integer
witness or an integer Gordan certificate and checked on every row. ``README.md`` beside this file
gives the method and a map of the modules. ``jaxnn.perceptrons`` re-exports the public names and
lists them in its ``__all__``; ``write_witnesses`` (the CLI's) and ``KNOWN_LIMIT_N`` stay here.
"""

from ._canonical import canonical_form as canonical_form
from ._canonical import is_threshold_function as is_threshold_function
from ._classes import ThresholdClasses as ThresholdClasses
from ._classes import ThresholdCount as ThresholdCount
from ._classes import write_witnesses as write_witnesses
from ._count import KNOWN_LIMIT_N as KNOWN_LIMIT_N
from ._count import count_threshold_functions as count_threshold_functions
from ._count import estimate_cost as estimate_cost
from ._decide import decide_canonical as decide_canonical
from ._search import ThresholdCandidates as ThresholdCandidates
from ._search import threshold_candidates as threshold_candidates

"""Training, built on the notes' chapters: the settings table (the one home of every default,
range and flag), the training loop (`init_state`, `train_epoch`, `train_epochs`, `train`,
`evaluate`, `predict`), `fit`, the optimizers, data sets, checkpoints, models (`load_model`,
`predict` on raw inputs) and metrics.
"""

from jaxnn.training._checked import CheckFailed as CheckFailed
from jaxnn.training._checked_train import checked_train as checked_train
from jaxnn.training._checkpoint import Checkpoint as Checkpoint
from jaxnn.training._checkpoint import load_checkpoint as load_checkpoint
from jaxnn.training._checkpoint import params_sha256 as params_sha256
from jaxnn.training._checkpoint import save_checkpoint as save_checkpoint
from jaxnn.training._config import EpochMetrics as EpochMetrics
from jaxnn.training._config import HParams as HParams
from jaxnn.training._config import TrainConfig as TrainConfig
from jaxnn.training._config import TrainState as TrainState
from jaxnn.training._config import make_config as make_config
from jaxnn.training._config import make_hparams as make_hparams
from jaxnn.training._data import Dataset as Dataset
from jaxnn.training._data import split_dataset as split_dataset
from jaxnn.training._fit import FitResult as FitResult
from jaxnn.training._fit import fit as fit
from jaxnn.training._formats import read_idx as read_idx
from jaxnn.training._formats import write_idx as write_idx
from jaxnn.training._loop import init_state as init_state
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
from jaxnn.training._optimizers import SCHEDULES as SCHEDULES
from jaxnn.training._optimizers import make_optimizer as make_optimizer
from jaxnn.training._scaling import Preprocessing as Preprocessing
from jaxnn.training._settings import DTYPES as DTYPES
from jaxnn.training._settings import GRADS as GRADS
from jaxnn.training._settings import MAX_SEED as MAX_SEED
from jaxnn.training._settings import SETTINGS as SETTINGS
from jaxnn.training._settings import STANDARDIZE as STANDARDIZE
from jaxnn.training._settings import STANDARDIZE_TARGETS as STANDARDIZE_TARGETS
from jaxnn.training._settings import TASKS as TASKS
from jaxnn.training._sources import DATASETS as DATASETS
from jaxnn.training._sources import load_dataset as load_dataset
from jaxnn.training._table import Range as Range
from jaxnn.training._table import Setting as Setting
from jaxnn.training._table import Settings as Settings

# every name imported above, and nothing else, is public (a private one starts with "_")
__all__ = sorted((name for name in globals() if not name.startswith("_")), key=str.lower)

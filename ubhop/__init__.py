"""ubhop: the self-learning magnetic Hopfield network of Niu et al. (PNAS 2024).

A permalloy film under gold electrodes: voltage pulses on the pads make Oersted
fields that reshape the magnetisation texture, and the texture sets the AMR
conductance matrix that is the network's weights.
"""

from . import rules
from .amr import conductance_matrix, terminal_matrix, two_terminal_resistance
from .analysis import analyse
from .channel_film import ChannelFilm
from .compact import CompactModel
from .current import pad_currents, sheet_current
from .device import Device, Pad
from .engines import get_engine
from .hopfield import HopfieldNetwork, outer_product, projection
from .learning import fit_learning_law
from .letters import letter, letters
from .materials import Disorder, Gold, Permalloy
from .oersted import oersted_field
from .patterns import as_pattern, training_voltages
from .schedule import Pulse, Relax
from .training import TrainingConfig, train

__version__ = "0.1.0"

__all__ = [
    "ChannelFilm",
    "CompactModel",
    "TrainingConfig",
    "analyse",
    "rules",
    "train",
    "Device",
    "Disorder",
    "Gold",
    "HopfieldNetwork",
    "Pad",
    "Permalloy",
    "Pulse",
    "Relax",
    "as_pattern",
    "fit_learning_law",
    "training_voltages",
    "conductance_matrix",
    "get_engine",
    "letter",
    "letters",
    "oersted_field",
    "outer_product",
    "pad_currents",
    "projection",
    "sheet_current",
    "terminal_matrix",
    "two_terminal_resistance",
]

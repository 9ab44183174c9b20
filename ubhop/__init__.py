"""ubhop: the self-learning magnetic Hopfield network of Niu et al. (PNAS 2024).

A permalloy film under gold electrodes: voltage pulses on the pads make Oersted
fields that reshape the magnetisation texture, and the texture sets the AMR
conductance matrix that is the network's weights.
"""

from .amr import conductance_matrix, terminal_matrix, two_terminal_resistance
from .current import pad_currents, sheet_current
from .device import Device, Pad
from .materials import Disorder, Gold, Permalloy
from .oersted import oersted_field

__version__ = "0.1.0"

__all__ = [
    "Device",
    "Disorder",
    "Gold",
    "Pad",
    "Permalloy",
    "conductance_matrix",
    "oersted_field",
    "pad_currents",
    "sheet_current",
    "terminal_matrix",
    "two_terminal_resistance",
]

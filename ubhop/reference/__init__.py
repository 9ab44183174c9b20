"""Cross-validation kit: reference problems of this device class.

In the spirit of the muMAG standard problems: each problem is specified
completely (``ubhop.reference.problems.spec_path``), its inputs and reference
outputs ship with the package (OVF 2.0 fields, CSV tables, a manifest and the
provenance), and :func:`compare` tells another solver where it stands, per
quantity, against tolerances justified in the specifications. See
``docs/cross_validation.md`` for the guide.

>>> from ubhop.reference import problem_names
>>> problem_names()[:2]
['oersted_square', 'oersted_strip']
"""

from .compare import Comparison, Row, compare
from .io import SubmissionError
from .problems import KIT_VERSION, PROBLEMS, get_problem, make, problem_names

__all__ = ["KIT_VERSION", "PROBLEMS", "Comparison", "Row", "SubmissionError",
           "compare", "get_problem", "make", "problem_names"]

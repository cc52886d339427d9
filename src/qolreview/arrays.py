"""The array type of the numerical code (effect sizes, the meta-analysis engine)."""

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
"""A NumPy array of float64 values."""

"""Static stress-change metrics (Pa, tension positive, x East / y North / z Up).

Functions work on arrays of tensors of shape (n, 6), components in the order
:data:`COMPONENTS`; the transformers wrap them for scikit-learn pipelines and
read DataFrames by column name (default :data:`DEVRIES_COLUMNS`).
"""

from ._base import BaseStressTransformer, StressUnitsWarning
from ._conventions import COMPONENTS, DEVRIES_COLUMNS, DEVRIES_LABEL
from ._faults import CoulombStress, FaultDistance
from ._halfspace import SingularPointsWarning, halfspace_stress, patch_corners, slip_vectors
from ._metrics import (
    coulomb_stress,
    devries_features,
    fault_unit_vectors,
    max_shear,
    principal_stresses,
    stress_invariants,
    sum_abs_stress,
    von_mises,
)
from ._okada import okada_stress, okada_stress_rake
from ._transformers import DeVriesFeatures, MaxShear, StressInvariants, SumAbsStress, VonMises

__all__ = [
    "COMPONENTS",
    "DEVRIES_COLUMNS",
    "DEVRIES_LABEL",
    "BaseStressTransformer",
    "CoulombStress",
    "DeVriesFeatures",
    "FaultDistance",
    "MaxShear",
    "SingularPointsWarning",
    "StressInvariants",
    "StressUnitsWarning",
    "SumAbsStress",
    "VonMises",
    "coulomb_stress",
    "devries_features",
    "fault_unit_vectors",
    "halfspace_stress",
    "max_shear",
    "okada_stress",
    "okada_stress_rake",
    "patch_corners",
    "principal_stresses",
    "slip_vectors",
    "stress_invariants",
    "sum_abs_stress",
    "von_mises",
]

"""shapc - shap's KernelExplainer API running on libshapc, the C engine (docs/python.md).

    import shapc
    explainer = shapc.KernelExplainer(model.predict, x_train[:100])
    shap_values = explainer.shap_values(x_test[:10])      # (n, d) or (n, d, k)
    shapc.summary_plot(shap_values, x_test[:10], path="summary.png")

Pure Python over the installed libshapc.so through ctypes, with numpy (pandas DataFrames are
accepted when pandas is importable). The library is loaded on first use, so the numpy-only
parts (shapc.server, shapc.Results) work without it.
"""
from . import plots
from ._kernel import Explanation, KernelExplainer
from ._lib import (ECANCELED, EINVAL, EIO, ELINALG, EMODEL, ENOMEM, ENONFINITE, ESHAPE,
                   EUNSUPPORTED, ShapcError)
from ._model import Model, load_model
from .plots import summary_plot
from .results import Results

try:
    from ._config import VERSION as __version__
except ImportError:  # the source tree, not configured by the build
    __version__ = "0+source"

__all__ = ["KernelExplainer", "Explanation", "Model", "load_model", "Results", "ShapcError",
           "plots", "summary_plot", "library_version", "library_path", "ECANCELED", "EINVAL",
           "EIO", "ELINALG", "EMODEL", "ENOMEM", "ENONFINITE", "ESHAPE", "EUNSUPPORTED"]


def library_version():
    """The version string of the libshapc actually loaded."""
    from . import _lib
    return _lib.lib().version_string().decode()


def library_path():
    """The path libshapc was loaded from."""
    from . import _lib
    return _lib.lib().path

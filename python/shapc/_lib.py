"""_lib - every ctypes declaration of libshapc in one place.

The package talks to the C library only through this module: the structs mirror
include/shapc/*.h field by field, in field order, and each function gets its argtypes and
restype here, so a renamed C function is a one-line change (the CAPI table below).

The library is loaded on first use, not on import, so `import shapc.server` (the process
protocol helper, numpy only) works without libshapc.so. It is found, in order, at:
  1. $SHAPC_LIBRARY (a path to libshapc.so);
  2. the path written by the build into _config.py (build tree: build/libshapc.so; installed:
     a path relative to the package, e.g. ../../../x86_64-linux-gnu/libshapc.so.0);
  3. the dynamic loader's search for libshapc.so.0.
"""
import ctypes
import ctypes.util
import os
import threading

# ---- status codes (status.h, SHAPC_STATUS_MAP order) ----------------------------------------

STATUS_NAMES = ("OK", "EINVAL", "ENOMEM", "EIO", "EFORMAT", "ETRUNC", "ESHAPE", "ERANGE",
                "ENONFINITE", "EMODEL", "ELINALG", "EUNSUPPORTED", "ECANCELED")
OK, EINVAL, ENOMEM, EIO, EFORMAT, ETRUNC, ESHAPE, ERANGE, ENONFINITE, EMODEL, ELINALG, \
    EUNSUPPORTED, ECANCELED = range(len(STATUS_NAMES))

ERROR_MESSAGE_MAX = 512

# kernel.h enums
LINK = {"identity": 0, "logit": 1}
SAMPLER = {"kernel": 0, "leverage": 1, "permutation": 2, "auto": 3, "exact": 4}
SAMPLER_NAMES = {v: k for k, v in SAMPLER.items()}

# data.h dtypes
DTYPE_F32 = 4


class ShapcError(Exception):
    """A libshapc call failed: .status is the code (e.g. shapc.ENONFINITE), .status_name its
    symbolic name ("SHAPC_ENONFINITE"), str(e) the library's one-line message."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status = status
        self.status_name = "SHAPC_" + (STATUS_NAMES[status]
                                       if 0 <= status < len(STATUS_NAMES) else "UNKNOWN")


# ---- structs --------------------------------------------------------------------------------

class Error(ctypes.Structure):  # shapc_error
    _fields_ = [("status", ctypes.c_int),
                ("message", ctypes.c_char * ERROR_MESSAGE_MAX)]


PROGRESS_FN = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_size_t, ctypes.c_size_t)
PREDICT_FN = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.POINTER(ctypes.c_float),
                              ctypes.c_size_t, ctypes.POINTER(ctypes.c_float),
                              ctypes.POINTER(Error))

_KERNEL_OPTIONS_FIELDS = [
    ("size", ctypes.c_size_t),
    ("nsamples", ctypes.c_size_t),
    ("seed", ctypes.c_uint64),
    ("link", ctypes.c_int),
    ("n_batches", ctypes.c_size_t),
    ("max_memory", ctypes.c_size_t),
    ("sampler", ctypes.c_int),
    ("n_threads", ctypes.c_size_t),
    ("tol", ctypes.c_double),
    ("share_design", ctypes.c_int),
    ("use_structure", ctypes.c_int),
    ("max_evals", ctypes.c_size_t),
    ("bg_per_sample", ctypes.c_size_t),
    ("progress", PROGRESS_FN),
    ("progress_user", ctypes.c_void_p),
]

# Struct-returning _default() functions write the library's whole struct through a hidden
# pointer; a newer library may have appended fields. The return types therefore carry spare
# room, and the library's `size` field says which layout it wrote.
_SPARE = [("_spare", ctypes.c_char * 512)]


class KernelOptions(ctypes.Structure):  # shapc_kernel_options
    _fields_ = _KERNEL_OPTIONS_FIELDS


class _KernelOptionsRet(ctypes.Structure):
    _fields_ = _KERNEL_OPTIONS_FIELDS + _SPARE


class KernelInfo(ctypes.Structure):  # shapc_kernel_info
    _fields_ = [("n_players", ctypes.c_size_t),
                ("n_coalitions", ctypes.c_size_t),
                ("n_evals", ctypes.c_size_t),
                ("exact", ctypes.c_int),
                ("sampler", ctypes.c_int)]


_PLOT_OPTIONS_FIELDS = [
    ("size", ctypes.c_size_t),
    ("width", ctypes.c_double),
    ("height", ctypes.c_double),
    ("dpi", ctypes.c_double),
    ("font_family", ctypes.c_char_p),
    ("font_size", ctypes.c_double),
    ("max_display", ctypes.c_size_t),
    ("title", ctypes.c_char_p),
    ("xlabel", ctypes.c_char_p),
    ("link", ctypes.c_int),
]


class PlotOptions(ctypes.Structure):  # shapc_plot_options
    _fields_ = _PLOT_OPTIONS_FIELDS


class _PlotOptionsRet(ctypes.Structure):
    _fields_ = _PLOT_OPTIONS_FIELDS + _SPARE


class PlotImageData(ctypes.Structure):  # shapc_plot_image_data
    _fields_ = [("images", ctypes.POINTER(ctypes.c_float)),
                ("n", ctypes.c_size_t),
                ("hgt", ctypes.c_size_t),
                ("wid", ctypes.c_size_t),
                ("c", ctypes.c_size_t),
                ("phi", ctypes.POINTER(ctypes.c_double)),
                ("p", ctypes.c_size_t),
                ("labels", ctypes.POINTER(ctypes.c_char_p)),
                ("probs", ctypes.POINTER(ctypes.c_double)),
                ("groups", ctypes.POINTER(ctypes.c_int32)),
                ("row_labels", ctypes.POINTER(ctypes.c_char_p))]


# ---- functions ------------------------------------------------------------------------------

_p = ctypes.c_void_p
_sz = ctypes.c_size_t
_st = ctypes.c_int
_err = ctypes.POINTER(Error)
_f32p = ctypes.POINTER(ctypes.c_float)
_f64p = ctypes.POINTER(ctypes.c_double)
_strs = ctypes.POINTER(ctypes.c_char_p)
_str = ctypes.c_char_p

# Python name: (C name, restype, argtypes). A C rename changes the middle column only.
CAPI = {
    "version_string": ("shapc_version_string", _str, []),
    "status_name": ("shapc_status_name", _str, [_st]),
    "error_set": ("shapc_error_set", _st, None),  # variadic: called with (err, status, b"%s", msg)
    "blas_set_threads": ("shapc_blas_set_threads", None, [ctypes.c_int]),
    # kernel.h
    "kernel_options_default": ("shapc_kernel_options_default", _KernelOptionsRet, []),
    "kernel_create": ("shapc_kernel_create", _st,
                      [_p, _f32p, _sz, _f32p, ctypes.POINTER(KernelOptions),
                       ctypes.POINTER(_p), _err]),
    "kernel_free": ("shapc_kernel_free", None, [_p]),
    "kernel_set_groups": ("shapc_kernel_set_groups", _st,
                          [_p, ctypes.POINTER(ctypes.c_size_t), _sz, _err]),
    "kernel_n_players": ("shapc_kernel_n_players", _sz, [_p]),
    "kernel_base_values": ("shapc_kernel_base_values", _f64p, [_p]),
    "kernel_explain_rows": ("shapc_kernel_explain_rows", _st,
                            [_p, _f32p, _sz, _f64p, _f64p, _f64p,
                             ctypes.POINTER(KernelInfo), _err]),
    # model.h
    "model_create": ("shapc_model_create", _st,
                     [_sz, _sz, PREDICT_FN, _p, _p, ctypes.POINTER(_p), _err]),
    "model_free": ("shapc_model_free", None, [_p]),
    "model_load": ("shapc_model_load", _st, [_str, ctypes.POINTER(_p), _err]),
    "model_predict": ("shapc_model_predict", _st, [_p, _f32p, _sz, _f32p, _err]),
    "model_n_inputs": ("shapc_model_n_inputs", _sz, [_p]),
    "model_n_outputs": ("shapc_model_n_outputs", _sz, [_p]),
    "model_input_rank": ("shapc_model_input_rank", _sz, [_p]),
    "model_input_shape": ("shapc_model_input_shape", ctypes.POINTER(ctypes.c_size_t), [_p]),
    "model_output_name": ("shapc_model_output_name", _str, [_p, _sz]),
    "model_set_output_names": ("shapc_model_set_output_names", _st, [_p, _strs, _err]),
    "model_background": ("shapc_model_background", _p, [_p]),
    "model_background_weights": ("shapc_model_background_weights", _f32p, [_p]),
    "model_describe": ("shapc_model_describe", _str, [_p]),
    # data.h (only what reading an embedded background needs)
    "array_dtype": ("shapc_array_dtype", ctypes.c_int, [_p]),
    "array_rank": ("shapc_array_rank", _sz, [_p]),
    "array_dim": ("shapc_array_dim", _sz, [_p, _sz]),
    "array_cdata": ("shapc_array_cdata", _p, [_p]),
    # plot.h
    "plot_options_default": ("shapc_plot_options_default", _PlotOptionsRet, []),
    "plot_beeswarm": ("shapc_plot_beeswarm", _st,
                      [_str, _p, _f64p, _f32p, _sz, _sz, _strs, _err]),
    "plot_bar": ("shapc_plot_bar", _st, [_str, _p, _f64p, _sz, _strs, _err]),
    "plot_bar_stacked": ("shapc_plot_bar_stacked", _st,
                         [_str, _p, _f64p, _sz, _sz, _strs, _strs, _err]),
    "plot_waterfall": ("shapc_plot_waterfall", _st,
                       [_str, _p, _f64p, _f32p, _sz, _strs, ctypes.c_double, ctypes.c_double,
                        _err]),
    "plot_image": ("shapc_plot_image", _st, [_str, _p, ctypes.POINTER(PlotImageData), _err]),
    "plot_text": ("shapc_plot_text", _st,
                  [_str, _p, _strs, _f64p, _sz, ctypes.c_double, ctypes.c_double, _err]),
}

# Functions a library may lack (newer API); calling them raises ShapcError(EUNSUPPORTED).
OPTIONAL = {"plot_bar_stacked"}


class _Library:
    def __init__(self, path):
        self.path = path
        self.cdll = ctypes.CDLL(path)
        self.missing = set()
        for name, (cname, restype, argtypes) in CAPI.items():
            try:
                fn = getattr(self.cdll, cname)
            except AttributeError:
                if name in OPTIONAL:
                    self.missing.add(name)
                    continue
                raise OSError("%s has no symbol %s: not a libshapc of this package's version"
                              % (path, cname)) from None
            fn.restype = restype
            if argtypes is not None:
                fn.argtypes = argtypes
            setattr(self, name, fn)
        self._check_layouts()

    def _check_layouts(self):
        ko = self.kernel_options_default()
        if ko.size != ctypes.sizeof(KernelOptions):
            raise OSError("%s: shapc_kernel_options is %d bytes, this package mirrors %d: "
                          "the package and the library come from different versions"
                          % (self.path, ko.size, ctypes.sizeof(KernelOptions)))
        po = self.plot_options_default()
        if po.size != ctypes.sizeof(PlotOptions):
            raise OSError("%s: shapc_plot_options is %d bytes, this package mirrors %d: "
                          "the package and the library come from different versions"
                          % (self.path, po.size, ctypes.sizeof(PlotOptions)))

    def kernel_options(self):
        """shapc_kernel_options_default(), as the exact-size struct the package passes."""
        ret = self.kernel_options_default()
        o = KernelOptions()
        ctypes.memmove(ctypes.addressof(o), ctypes.addressof(ret), ctypes.sizeof(o))
        return o

    def plot_options(self):
        """shapc_plot_options_default(), as the exact-size struct the package passes."""
        ret = self.plot_options_default()
        o = PlotOptions()
        ctypes.memmove(ctypes.addressof(o), ctypes.addressof(ret), ctypes.sizeof(o))
        return o

    def has(self, name):
        return name not in self.missing


_lock = threading.Lock()
_lib = None


def _candidates():
    env = os.environ.get("SHAPC_LIBRARY")
    if env:
        return [env]
    out = []
    try:
        from . import _config
        p = _config.LIBRARY
        if not os.path.isabs(p):
            p = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), p))
        out.append(p)
    except ImportError:
        pass
    found = ctypes.util.find_library("shapc")
    out.append(found or "libshapc.so.0")
    return out


def lib():
    """The loaded library (loaded once, on first use); OSError naming every path tried."""
    global _lib
    if _lib is not None:
        return _lib
    with _lock:
        if _lib is None:
            tried = []
            for path in _candidates():
                try:
                    _lib = _Library(path)
                    break
                except OSError as e:
                    tried.append(str(e))
            if _lib is None:
                raise OSError("shapc: cannot load libshapc: " + "; ".join(tried)
                              + " (set SHAPC_LIBRARY to the path of libshapc.so)")
    return _lib


# ---- helpers --------------------------------------------------------------------------------

def check(status, err):
    """Raises ShapcError for a failing status, with the message the library left in err."""
    if status != OK:
        msg = err.message.decode("utf-8", "replace") or lib().status_name(status).decode()
        raise ShapcError(status, msg)


def set_error(err_ptr, status, message):
    """shapc_error_set(err, status, "%s", message) from a callback."""
    lib().error_set(err_ptr, ctypes.c_int(status), b"%s",
                    message.encode("utf-8", "replace")[:ERROR_MESSAGE_MAX - 1])


def f32ptr(a):
    return a.ctypes.data_as(_f32p)


def f64ptr(a):
    return a.ctypes.data_as(_f64p)


def strings(seq):
    """A char*[] for a list of str (None -> NULL); it keeps its bytes alive while it lives."""
    if seq is None:
        return None
    return (ctypes.c_char_p * len(seq))(*[str(s).encode("utf-8") for s in seq])

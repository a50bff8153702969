"""_model - models the engine runs: a Python callable wrapped as a callback model, and native
models (model.bin) loaded by the library.

A callback model hands each batch of masked rows (n, d) float32 to the Python function and
copies its (n,) or (n, k) result back. Whatever the function raises - an error, a
KeyboardInterrupt - is kept, the C call is failed with the exception's text (so the library
unwinds and frees what it allocated), and the caller re-raises the very exception object
once the C call has returned (CallbackModel.reraise).
"""
import ctypes

import numpy as np

from . import _lib


def _as_float_rows(y, what):
    """A model's output as a float64 ndarray; pandas, lists and tensors with __array__ too."""
    if hasattr(y, "to_numpy"):
        y = y.to_numpy()
    elif not isinstance(y, np.ndarray) and hasattr(y, "detach"):  # a torch tensor
        y = y.detach().cpu().numpy()
    try:
        return np.asarray(y, dtype=np.float64)
    except (TypeError, ValueError) as e:
        raise TypeError("%s returned %s, not an array of numbers (%s)"
                        % (what, type(y).__name__, e)) from None


def output_shape_error(y, n, k, vector_out):
    """None if y (an ndarray) is a valid output for n rows, else the message."""
    ok = y.shape == ((n, k) if vector_out else (n,))
    if not ok and not vector_out and y.shape == (n, 1):
        ok = True
    if ok:
        return None
    want = "(%d, %d)" % (n, k) if vector_out else "(%d,)" % n
    return ("f returned an array of shape %s for %d rows; expected %s (the shape f gave "
            "for the background)" % (tuple(y.shape), n, want))


class _Callback:
    """The predict function the C model calls. It holds no reference to its CallbackModel,
    so dropping the model frees the C side at once (no reference cycle to wait for)."""

    def __init__(self, f, d, k, vector_out, batch_size):
        self.f, self.d, self.k, self.vector_out = f, d, k, vector_out
        self.batch_size = batch_size
        self.exception = None
        self.calls = 0
        self.rows = 0

    def _call(self, x):
        y = _as_float_rows(self.f(x), "f")
        msg = output_shape_error(y, len(x), self.k, self.vector_out)
        if msg:
            raise ValueError(msg)
        return y.reshape(len(x), self.k)

    def __call__(self, user, x, n, out, err):
        # Runs inside the C call. Every exception, KeyboardInterrupt included, is kept here
        # and turned into a failing status: none may escape into ctypes.
        try:
            if self.exception is not None:
                return _lib.EMODEL
            xs = np.ctypeslib.as_array(x, shape=(n, self.d)).copy()  # f may keep its input
            dst = np.ctypeslib.as_array(out, shape=(n, self.k))
            step = self.batch_size or n
            for i in range(0, n, step):
                self.calls += 1
                self.rows += min(step, n - i)
                dst[i:i + step] = self._call(xs[i:i + step])
            return _lib.OK
        except BaseException as e:  # noqa: B902 - re-raised by CallbackModel.reraise()
            self.exception = e
            try:
                _lib.set_error(err, _lib.EMODEL, "%s: %s" % (type(e).__name__, e))
            except BaseException:  # a second Ctrl-C: the status alone still fails the call
                pass
            return _lib.EMODEL


class CallbackModel:
    """A Python function as a shapc_model (shapc_model_create with a ctypes callback)."""

    def __init__(self, f, d, k, vector_out, batch_size=None, output_names=None):
        self.d, self.k = d, k
        self.state = _Callback(f, d, k, vector_out, batch_size)
        L = _lib.lib()
        # The ctypes callback must outlive the C model: both belong to self, and close()
        # frees the C model first.
        self._fn = _lib.PREDICT_FN(self.state)
        handle = ctypes.c_void_p()
        err = _lib.Error()
        _lib.check(L.model_create(d, k, self._fn, None, None, ctypes.byref(handle),
                                  ctypes.byref(err)), err)
        self.handle = handle
        if output_names is not None:
            st = L.model_set_output_names(self.handle, _lib.strings(output_names),
                                          ctypes.byref(err))
            if st != _lib.OK:
                self.close()
                _lib.check(st, err)

    def reraise(self):
        """Raises the exception f raised during the last C call, if any (and forgets it)."""
        e, self.state.exception = self.state.exception, None
        if e is not None:
            raise e

    def close(self):
        h, self.handle = getattr(self, "handle", None), None
        if h:
            _lib.lib().model_free(h)

    def __del__(self):
        self.close()


class Model:
    """A native model loaded by the library (shapc.load_model): callable on (n, d) rows, and
    run by the explainer natively, on every core, with the model's fast paths."""

    def __init__(self, path):
        L = _lib.lib()
        self.path = str(path)
        handle = ctypes.c_void_p()
        err = _lib.Error()
        _lib.check(L.model_load(self.path.encode(), ctypes.byref(handle), ctypes.byref(err)),
                   err)
        self.handle = handle
        self.n_inputs = L.model_n_inputs(handle)
        self.n_outputs = L.model_n_outputs(handle)
        rank = L.model_input_rank(handle)
        shp = L.model_input_shape(handle)
        self.input_shape = tuple(shp[i] for i in range(rank)) if rank else (self.n_inputs,)
        self.output_names = [L.model_output_name(handle, i).decode("utf-8")
                             for i in range(self.n_outputs)]
        self.description = L.model_describe(handle).decode("utf-8")
        self.background, self.background_weights = self._background(L)

    def _background(self, L):
        arr = L.model_background(self.handle)
        if not arr:
            return None, None
        n = L.array_dim(arr, 0)
        if L.array_dtype(arr) != _lib.DTYPE_F32:
            raise _lib.ShapcError(_lib.EUNSUPPORTED, "%s: embedded background is not float32"
                                  % self.path)
        data = ctypes.cast(L.array_cdata(arr), ctypes.POINTER(ctypes.c_float))
        bg = np.ctypeslib.as_array(data, shape=(n, self.n_inputs)).copy()
        wp = L.model_background_weights(self.handle)
        w = np.ctypeslib.as_array(wp, shape=(n,)).astype(np.float64) if wp else None
        return bg, w

    def __call__(self, x):
        """Model outputs (n, k) float32 for rows x (n, d) or one row (d)."""
        x = np.ascontiguousarray(np.asarray(x, dtype=np.float32))
        single = x.ndim == 1
        x = x.reshape(1, -1) if single else x.reshape(len(x), -1)
        if x.shape[1] != self.n_inputs:
            raise ValueError("%s takes %d features per row, got %d"
                             % (self.path, self.n_inputs, x.shape[1]))
        out = np.empty((len(x), self.n_outputs), dtype=np.float32)
        err = _lib.Error()
        _lib.check(_lib.lib().model_predict(self.handle, _lib.f32ptr(x), len(x),
                                            _lib.f32ptr(out), ctypes.byref(err)), err)
        return out[0] if single else out

    predict = __call__

    def __repr__(self):
        return "shapc.Model(%r: %s)" % (self.path, self.description)

    def close(self):
        h, self.handle = getattr(self, "handle", None), None
        if h:
            _lib.lib().model_free(h)

    def __del__(self):
        self.close()


def load_model(path):
    """Loads a model.bin (docs/model-format.md) as a shapc.Model."""
    return Model(path)

"""_kernel - shap's KernelExplainer API over shapc_kernel (include/shapc/kernel.h).

    explainer = shapc.KernelExplainer(f, background)     # f: (n, d) -> (n,) or (n, k)
    values = explainer.shap_values(X)                    # (n, d) or (n, d, k), as shap >= 0.45
    explanation = explainer(X)                           # .values, .base_values, .data, ...

A Python f is called on the calling thread, one batch of masked rows at a time (the GIL
serialises Python anyway); a native model (shapc.load_model) runs inside the library on every
core. Errors: bad arguments raise ValueError / TypeError naming the argument; an exception
raised by f is re-raised as is; library failures raise shapc.ShapcError.
"""
import ctypes
import os
import threading
import time
import warnings

import numpy as np

from . import _lib
from ._model import CallbackModel, Model, _as_float_rows, output_shape_error
from ._progress import Progress

_CALL_OPTIONS = ("nsamples", "max_evals", "tol", "sampler", "groups", "seed", "n_batches",
                 "max_memory", "batch_size", "silent", "n_threads", "share_design",
                 "use_structure", "bg_per_sample")
_SHAP_IGNORED = ("gc_collect", "keep_index", "keep_index_ordered")


def _cores():
    try:
        return len(os.sched_getaffinity(0)) or 1
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def _is_dataframe(x):
    return hasattr(x, "columns") and hasattr(x, "to_numpy") and getattr(x, "ndim", 0) == 2


def _rows(x, what, d=None, single=None):
    """x as C-ordered float32 (n, d), checked: numbers, 2-D, finite, d columns. single
    (a list) receives whether x was one 1-D row."""
    if hasattr(x, "to_numpy"):
        x = x.to_numpy()
    try:
        a = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError) as e:
        raise TypeError("%s: not an array of numbers (%s)" % (what, e)) from None
    if single is not None:
        single.append(a.ndim == 1)
    if a.ndim == 1:
        a = a.reshape(1, -1)
    if a.ndim != 2:
        raise ValueError("%s must be 1-D (one row) or 2-D (rows, features), not of shape %s"
                         % (what, a.shape))
    if d is not None and a.shape[1] != d:
        raise ValueError("%s has %d features per row; the explainer has %d"
                         % (what, a.shape[1], d))
    if a.shape[1] == 0:
        raise ValueError("%s has no features" % what)
    f = np.ascontiguousarray(a, dtype=np.float32)
    bad = ~np.isfinite(f)
    if bad.any():
        r, c = np.argwhere(bad)[0]
        raise ValueError("%s: row %d, feature %d is %s%s" % (
            what, r, c, a[r, c], " (beyond float32)" if np.isfinite(a[r, c]) else ""))
    return f


def _group_of(groups, d, feature_names):
    """groups -> (group_of (d) uintp, n_groups, names or None). Accepts a mapping
    {name: [features]}, a list of feature lists, or a length-d sequence of group indices;
    features are indices or feature names."""
    def index(f):
        if isinstance(f, str):
            if feature_names is None or f not in feature_names:
                raise ValueError("groups: unknown feature %r" % f)
            return list(feature_names).index(f)
        i = int(f)
        if not 0 <= i < d:
            raise ValueError("groups: feature %d out of range (the data have %d)" % (i, d))
        return i

    names = None
    if isinstance(groups, dict):
        names = [str(k) for k in groups]
        members = list(groups.values())
    else:
        seq = list(groups)
        if len(seq) == d and all(np.ndim(g) == 0 and not isinstance(g, str) for g in seq):
            g = np.asarray(seq)
            if not np.issubdtype(g.dtype, np.integer) or (g < 0).any():
                raise ValueError("groups: a length-d sequence must hold group indices >= 0")
            n = int(g.max()) + 1
            missing = sorted(set(range(n)) - set(g.tolist()))
            if missing:
                raise ValueError("groups: group %d has no features" % missing[0])
            return g.astype(np.uintp), n, None
        members = seq
    group_of = np.full(d, -1, dtype=np.int64)
    for gi, m in enumerate(members):
        idx = [index(f) for f in (m if np.ndim(m) else [m])]
        if not idx:
            raise ValueError("groups: group %r has no features" % (names[gi] if names else gi))
        for i in idx:
            if group_of[i] >= 0:
                raise ValueError("groups: feature %d is in two groups" % i)
            group_of[i] = gi
    if (group_of < 0).any():
        raise ValueError("groups: feature %d is in no group" % int(np.argmax(group_of < 0)))
    return group_of.astype(np.uintp), len(members), names


class Explanation:
    """What explainer(X) returns, shaped as shap's Explanation.

    values (n, M) or (n, M, k); base_values (n) or (n, k); data (n, d) the explained rows;
    feature_names (M) or None; stderr like values; output_names (k) or None; info one dict
    per row (n_players, n_coalitions, n_evals, exact, sampler); predictions (n, k) raw f(x);
    groups (d) the player of each feature, or None; model a dict (path, description,
    input_shape) and settings the options used, both for Results.save.
    Indexing (exp[0], exp[:, :, 1], exp[:, "age"]) slices rows, features and outputs of every
    attribute together; a feature or output may be given by name."""

    def __init__(self, values, base_values=None, data=None, feature_names=None, stderr=None,
                 output_names=None, info=None, predictions=None, groups=None,
                 model=None, settings=None, axes=None):
        self.values = values
        self.base_values = base_values
        self.data = data
        self.feature_names = feature_names
        self.stderr = stderr
        self.output_names = output_names
        self.info = info
        self.predictions = predictions
        self.groups = groups
        self.model = model
        self.settings = settings
        # what each axis of values is: "rows", "features", "outputs"
        self.axes = axes if axes is not None else \
            ("rows", "features", "outputs")[:np.ndim(values)]

    @property
    def shape(self):
        return np.shape(self.values)

    def __len__(self):
        return len(self.values)

    def __repr__(self):
        return ".values =\n%r\n\n.base_values =\n%r\n\n.data =\n%r" % (
            self.values, self.base_values, self.data)

    def _name_index(self, axis, i):
        names = self.feature_names if axis == "features" else self.output_names
        if isinstance(i, str):
            if names is None or i not in list(names):
                raise IndexError("no %s named %r" % (axis[:-1], i))
            return list(names).index(i)
        return i

    def __getitem__(self, idx):
        idx = idx if isinstance(idx, tuple) else (idx,)
        if len(idx) > len(self.axes):
            raise IndexError("too many indices for an Explanation of shape %s" % (self.shape,))
        full = slice(None)
        by_axis = {ax: self._name_index(ax, i) for ax, i in zip(self.axes, idx)}

        def take(x, axes):
            if x is None:
                return None
            sel = tuple(by_axis.get(ax, full) for ax in axes)
            if isinstance(x, list):
                y = np.asarray(x, dtype=object)[sel]
                return y.tolist() if isinstance(y, np.ndarray) else y
            return np.asarray(x)[sel]

        rows_ax = tuple(a for a in self.axes if a == "rows")
        out_ax = tuple(a for a in self.axes if a == "outputs")
        feat_ax = tuple(a for a in self.axes if a == "features")
        kept = tuple(ax for ax in self.axes
                     if not isinstance(by_axis.get(ax, full), (int, np.integer)))
        # data is (rows, d): its columns follow the features only when players are features
        data_ax = rows_ax + (feat_ax if self.groups is None else ("_d",))
        return Explanation(
            take(self.values, self.axes), take(self.base_values, rows_ax + out_ax),
            take(self.data, data_ax), take(self.feature_names, feat_ax),
            take(self.stderr, self.axes), take(self.output_names, out_ax),
            take(self.info, rows_ax), take(self.predictions, rows_ax + ("_k",)),
            self.groups, self.model, self.settings, kept)

    def save(self, path):
        """Writes the CLI's results directory (docs/cli.md); see shapc.Results."""
        from .results import Results
        Results.from_explanation(self).save(path)


class _Slot:
    """The kernel's progress callback: forwards to the Progress of the running call (the
    kernel keeps one callback for its lifetime)."""

    def __init__(self):
        self.current = None

    def __call__(self, user, done, total):
        p = self.current
        return p._callback(user, done, total) if p is not None else 0


class KernelExplainer:
    """shap.KernelExplainer's interface over libshapc.

    model: a callable f mapping an (n, d) float32 array to (n,) or (n, k) numbers
        (model.predict, clf.predict_proba, a torch module in a lambda), or a shapc.Model
        from shapc.load_model (run natively on every core).
    data: the background: an (n_bg, d) array, a pandas DataFrame (its columns become the
        feature names), (array, weights), an object with .data and .weights (shap.kmeans),
        or None for a shapc.Model's embedded background.
    link: "identity" or "logit" (values in log-odds units).
    seed: the same seed gives bit-identical values.
    options (defaults for every call; shap_values takes them too): nsamples ("auto" =
        2M + 2048), max_evals ("auto" = (2M + 2048) x min(n_bg, 100) model rows), sampler
        ("auto", "permutation", "exact", "leverage", "kernel"), tol (0 = spend the budget),
        groups, n_batches (16), max_memory (bytes of masked rows per chunk, 64 MiB),
        batch_size (most rows per call of f; None = the engine's chunk), silent,
        n_threads (native models; default all cores), share_design, use_structure,
        bg_per_sample, feature_names, output_names.
    """

    def __init__(self, model, data=None, link="identity", seed=0, feature_names=None,
                 output_names=None, **options):
        self._kernel = None
        self._model = None
        for k in options:
            if k not in _CALL_OPTIONS and k not in _SHAP_IGNORED and k != "l1_reg":
                raise TypeError("KernelExplainer: unknown option %r" % k)
        if link not in _lib.LINK:
            raise ValueError("link must be 'identity' or 'logit', not %r" % (link,))
        self.link = link
        self._defaults = dict(options, seed=seed)
        self._check_options(self._defaults)

        weights = None
        names = None
        if data is None:
            if not isinstance(model, Model) or model.background is None:
                raise ValueError("data: pass a background set (only a shapc.Model with an "
                                 "embedded background may omit it)")
            bg, weights = model.background, model.background_weights
        elif isinstance(data, tuple):
            if len(data) != 2:
                raise ValueError("data: a tuple must be (array, weights)")
            bg, weights = data
        elif not isinstance(data, np.ndarray) and hasattr(data, "weights") \
                and hasattr(data, "data"):  # shap's DenseData (shap.kmeans, shap.sample)
            bg, weights = data.data, data.weights
            names = getattr(data, "group_names", None)
        else:
            bg = data
        if _is_dataframe(bg):
            names = [str(c) for c in bg.columns]
        self.data = _rows(bg, "data")
        self.N, self.P = self.data.shape
        d = self.P
        if weights is not None:
            w = np.asarray(weights, dtype=np.float64).reshape(-1)
            if w.shape != (self.N,):
                raise ValueError("data: %d weights for %d background rows" % (w.size, self.N))
            if not np.isfinite(w).all() or (w < 0).any() or w.sum() <= 0:
                raise ValueError("data: weights must be finite, >= 0 and not all 0")
            self.weights = np.ascontiguousarray(w / w.sum(), dtype=np.float32)
        else:
            self.weights = None
        if feature_names is not None:
            names = [str(n) for n in feature_names]
        if names is not None and len(names) != d:
            raise ValueError("feature_names: %d names for %d features" % (len(names), d))
        self.data_feature_names = names

        if isinstance(model, Model):
            if model.n_inputs != d:
                raise ValueError("data has %d features; %s takes %d"
                                 % (d, model.path, model.n_inputs))
            self._native = True
            self._model = model
            self._handle = model.handle
            self.vector_out = True
            self.D = model.n_outputs
            self.output_names = list(output_names) if output_names is not None \
                else model.output_names
            self._model_info = {"path": model.path, "description": model.description,
                                "input_shape": list(model.input_shape)}
        elif callable(model):
            self._native = False
            y = _as_float_rows(model(self.data.copy()), "f")
            if y.ndim == 1 and len(y) == self.N:
                self.vector_out, self.D = False, 1
            elif y.ndim == 2 and len(y) == self.N and y.shape[1] >= 1:
                self.vector_out, self.D = True, y.shape[1]
            else:
                raise ValueError("f returned an array of shape %s for the %d background rows; "
                                 "expected (%d,) or (%d, k)" % (y.shape, self.N, self.N,
                                                                self.N))
            bad = ~np.isfinite(y.reshape(self.N, -1))
            if bad.any():
                r, c = np.argwhere(bad)[0]
                raise ValueError("f returned %s for background row %d%s" % (
                    y.reshape(self.N, -1)[r, c], r, ", output %d" % c if self.vector_out
                    else ""))
            if output_names is not None and len(output_names) != self.D:
                raise ValueError("output_names: %d names for %d outputs"
                                 % (len(output_names), self.D))
            self.output_names = list(output_names) if output_names is not None else None
            self._model = CallbackModel(model, d, self.D, self.vector_out,
                                        self._defaults.get("batch_size"), self.output_names)
            self._handle = self._model.handle
            self._model_info = {"path": None, "input_shape": [d],
                                "description": "python: %s" % getattr(
                                    model, "__qualname__", type(model).__name__)}
        else:
            raise TypeError("model must be callable or a shapc.Model, not %s"
                            % type(model).__name__)
        self.model = model
        self._slot = _Slot()
        self._progress_fn = _lib.PROGRESS_FN(self._slot)
        opts = self._options(self._defaults)
        self._kernel, self._kernel_key = self._create(opts), self._key(opts)
        base = np.ctypeslib.as_array(_lib.lib().kernel_base_values(self._kernel),
                                     shape=(self.D,)).copy()
        self.fnull = base
        self.expected_value = base if self.vector_out else float(base[0])
        self.stderr = None
        self.info = None

    # ---- options ----------------------------------------------------------------------------

    def _check_options(self, o):
        if "l1_reg" in o:
            warnings.warn("shapc estimates every feature: l1_reg is ignored", stacklevel=3)
        s = o.get("sampler", "auto")
        if s not in _lib.SAMPLER:
            raise ValueError("sampler must be one of %s, not %r"
                             % (", ".join(sorted(_lib.SAMPLER)), s))
        for name in ("nsamples", "max_evals"):
            v = o.get(name, "auto")
            if v != "auto" and v is not None and (
                    isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1):
                raise ValueError("%s must be 'auto' or a positive integer, not %r" % (name, v))
        for name, lo in (("n_batches", 2), ("max_memory", 1), ("batch_size", 1),
                         ("n_threads", 1), ("bg_per_sample", 0)):
            v = o.get(name)
            if v is not None and (isinstance(v, bool) or not isinstance(v, (int, np.integer))
                                  or v < lo):
                raise ValueError("%s must be an integer >= %d, not %r" % (name, lo, v))
        tol = o.get("tol", 0.0)
        try:
            tol = float(tol)
        except (TypeError, ValueError):
            raise ValueError("tol must be a number >= 0, not %r" % (tol,)) from None
        if not (tol >= 0 and np.isfinite(tol)):
            raise ValueError("tol must be a number >= 0, not %r" % (tol,))
        seed = o.get("seed", 0)
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or \
                not 0 <= seed < 2 ** 64:
            raise ValueError("seed must be an integer in [0, 2**64), not %r" % (seed,))

    def _options(self, o):
        """KernelOptions for the merged options o, starting from the library's defaults."""
        ko = _lib.lib().kernel_options()
        ns, me = o.get("nsamples", "auto"), o.get("max_evals", "auto")
        ko.nsamples = 0 if ns in ("auto", None) else int(ns)
        ko.max_evals = 0 if me in ("auto", None) else int(me)
        ko.seed = int(o.get("seed", 0))
        ko.link = _lib.LINK[self.link]
        ko.sampler = _lib.SAMPLER[o.get("sampler", "auto")]
        ko.tol = float(o.get("tol", 0.0))
        for name in ("n_batches", "max_memory", "bg_per_sample"):
            if o.get(name) is not None:
                setattr(ko, name, int(o[name]))
        if o.get("share_design") is not None:
            ko.share_design = int(bool(o["share_design"]))
        if o.get("use_structure") is not None:
            ko.use_structure = int(bool(o["use_structure"]))
        nt = o.get("n_threads")
        if not self._native:
            if nt not in (None, 1):
                raise ValueError("n_threads: a Python f runs on one thread (the GIL "
                                 "serialises it); only native models (shapc.load_model) "
                                 "use more")
            nt = 1
        ko.n_threads = int(nt) if nt is not None else _cores()
        ko.progress = self._progress_fn
        return ko

    @staticmethod
    def _key(ko):
        return tuple(getattr(ko, f) for f, _ in _lib.KernelOptions._fields_
                     if f not in ("progress", "progress_user"))

    def _create(self, ko):
        kernel = ctypes.c_void_p()
        err = _lib.Error()
        w = _lib.f32ptr(self.weights) if self.weights is not None else None
        st = _lib.lib().kernel_create(self._handle, _lib.f32ptr(self.data), self.N, w,
                                      ctypes.byref(ko), ctypes.byref(kernel),
                                      ctypes.byref(err))
        if not self._native:
            self._model.reraise()
        _lib.check(st, err)
        return kernel

    # ---- explaining -------------------------------------------------------------------------

    def shap_values(self, X, **kwargs):
        """SHAP values of the rows X: (n, M) for a one-output f, (n, M, k) otherwise, or
        (M) / (M, k) for one row given as a 1-D array (M = features, or groups). Also sets
        .stderr (same shape) and .info (one dict per row)."""
        return self._explain(X, kwargs)[0]

    def __call__(self, X, **kwargs):
        """An Explanation of the rows X (see Explanation)."""
        t0 = time.monotonic()
        values, names, xs, group_of, fx = self._explain(X, kwargs, want_fx=True)
        single = np.ndim(values) == (2 if self.vector_out else 1)
        if single:
            values, stderr = values[None], self.stderr[None]
        else:
            stderr = self.stderr
        n = len(xs)
        base = np.tile(self.expected_value, (n, 1)) if self.vector_out \
            else np.full(n, self.expected_value)
        if self.link == "identity":
            pred = fx
        else:
            pred = self._predict(xs)
        ko = self._options(dict(self._defaults, **kwargs))
        settings = {"sampler": _lib.SAMPLER_NAMES[ko.sampler], "nsamples": ko.nsamples,
                    "max_evals": ko.max_evals, "seed": ko.seed, "link": self.link,
                    "tol": ko.tol, "batches": ko.n_batches, "groups": None if group_of is None
                    else len(set(group_of.tolist())),
                    "background": {"source": "python", "rows": self.N},
                    "explain_s": time.monotonic() - t0}
        exp = Explanation(values, base, xs, names, stderr, self.output_names, self.info,
                          pred, group_of, dict(self._model_info), settings)
        return exp[0] if single else exp

    def _predict(self, xs):
        if self._native:
            return self.model(xs).astype(np.float64)
        y = _as_float_rows(self.model(xs.copy()), "f")
        msg = output_shape_error(y, len(xs), self.D, self.vector_out)
        if msg:
            raise ValueError(msg)
        return y.reshape(len(xs), self.D)

    def _explain(self, X, kwargs, want_fx=False):
        for k in kwargs:
            if k not in _CALL_OPTIONS and k not in _SHAP_IGNORED and k != "l1_reg":
                raise TypeError("shap_values: unknown option %r" % k)
        o = dict(self._defaults)
        o.update(kwargs)
        self._check_options(kwargs)
        names = self.data_feature_names
        if _is_dataframe(X):
            names = [str(c) for c in X.columns]
        one = []
        xs = _rows(X, "X", self.P, one)
        single = one[0]
        n, d, k = len(xs), self.P, self.D
        group_of, G, gnames = None, d, None
        if o.get("groups") is not None:
            group_of, G, gnames = _group_of(o["groups"], d, names)
            names = gnames
        ko = self._options(o)
        key = self._key(ko)
        L = _lib.lib()
        kernel, temp = self._kernel, False
        if key != self._kernel_key:
            kernel, temp = self._create(ko), True
        if not self._native:
            self._model.state.batch_size = o.get("batch_size")
        phi = np.zeros((n, G, k))
        se = np.zeros((n, G, k))
        fx = np.zeros((n, k))
        info = (_lib.KernelInfo * max(n, 1))()
        progress = Progress(n, silent=bool(o.get("silent", False)))
        err = _lib.Error()
        try:
            if group_of is not None:
                _lib.check(L.kernel_set_groups(
                    kernel, group_of.ctypes.data_as(ctypes.POINTER(ctypes.c_size_t)), G,
                    ctypes.byref(err)), err)
            if n:
                self._slot.current = progress
                st = self._run(lambda: L.kernel_explain_rows(
                    kernel, _lib.f32ptr(xs), n, _lib.f64ptr(phi), _lib.f64ptr(se),
                    _lib.f64ptr(fx), info, ctypes.byref(err)), progress, ko.n_threads)
                if not self._native:
                    self._model.reraise()
                if progress.exception is not None:
                    e, progress.exception = progress.exception, None
                    raise e
                if st == _lib.ENONFINITE and not self._native:
                    raise _lib.ShapcError(st, "f returned a non-finite value: " +
                                          err.message.decode("utf-8", "replace"))
                _lib.check(st, err)
        finally:
            self._slot.current = None
            progress.close()
            if temp:
                L.kernel_free(kernel)
            elif group_of is not None:
                L.kernel_set_groups(kernel, None, 0, None)
        self.info = [{"n_players": i.n_players, "n_coalitions": i.n_coalitions,
                      "n_evals": i.n_evals, "exact": bool(i.exact),
                      "sampler": _lib.SAMPLER_NAMES.get(i.sampler, str(i.sampler))}
                     for i in info[:n]]
        if not self.vector_out:
            phi, se = phi[:, :, 0], se[:, :, 0]
        if single:
            phi, se = phi[0], se[0]
        self.stderr = se
        if want_fx:
            return phi, names, xs, group_of, fx
        return phi, names

    def _run(self, call, progress, n_threads):
        """Runs the C call. A Python f runs on this thread, so Ctrl-C raises inside f or the
        progress callback, which cancel the call. A native model's call runs on a helper
        thread instead, while this one waits: Ctrl-C then reaches it here, and the progress
        callback (from the library's threads) cancels the C call at its next check."""
        if not self._native:
            return call()
        if n_threads > 1:
            _lib.lib().blas_set_threads(1)  # the explainer's threads, not OpenBLAS's
        box = {}
        done = threading.Event()

        def target():
            try:
                box["status"] = call()
            finally:
                done.set()

        threading.Thread(target=target, name="shapc-explain", daemon=True).start()
        interrupt = None
        # Whatever arrives while waiting (Ctrl-C, an exception from a signal handler) cancels
        # the C call, which is then still waited for: the kernel must not be freed, nor the
        # interpreter finalised, under a running explanation. (An Event, not Thread.join:
        # a join interrupted by Ctrl-C may report a running thread as finished, bpo-21822.)
        while not done.is_set():
            try:
                done.wait(0.25)
            except BaseException as e:  # noqa: B902 - re-raised below
                interrupt = interrupt or e
                progress.cancel()
        if interrupt is not None:
            raise interrupt
        return box["status"]

    # ---- lifetime ---------------------------------------------------------------------------

    def close(self):
        """Frees the C explainer (and a callback model); also done when the object dies."""
        k, self._kernel = getattr(self, "_kernel", None), None
        if k:
            _lib.lib().kernel_free(k)
        m = getattr(self, "_model", None)
        if isinstance(m, CallbackModel):
            m.close()
        self._model = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        self.close()

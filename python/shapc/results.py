"""results - the CLI's results directory (docs/cli.md, "Output files") in Python.

    r = shapc.Results.load("shapc-out")      # what `shapc explain -o shapc-out` wrote
    r.values.shape                           # (rows, players, columns)
    explainer(X).save("py-out")              # `shapc plot beeswarm py-out`, `shapc report py-out`

Arrays are read and written with numpy (.npy version 1.0, C order) and summary.json with
json; every file is written to a temporary name first and renamed into place, summary.json
last, so a failed save leaves no mixed result set. numpy only: no libshapc needed.
"""
import json
import os
import sys

import numpy as np

_ARRAYS = (  # file, attribute, dtype, required
    ("shap_values.npy", "values", np.float32, True),
    ("stderr.npy", "stderr", np.float32, False),
    ("base_values.npy", "base_values", np.float32, True),
    ("predictions.npy", "predictions", np.float32, True),
    ("classes.npy", "classes", np.int32, True),
    ("inputs.npy", "inputs", np.float32, False),
    ("groups.npy", "groups", np.int32, False),
)


def _version():
    try:
        from . import _config
        return _config.VERSION
    except ImportError:
        return "unknown"


def _plain(v):
    """json.dump's fallback: numpy scalars and arrays as Python numbers and lists."""
    if isinstance(v, np.generic):
        return v.item()
    if isinstance(v, np.ndarray):
        return v.tolist()
    return str(v)


class Results:
    """One results directory in memory.

    values (n, M, K) phi in link units; stderr (n, M, K); base_values (n, K); predictions
    (n, k_all) raw f(x); classes (n, K) model output explained by each column; inputs (n, d);
    groups (d) or (n, d) player of each feature; players (M) names or None; output_names
    (k_all) or None; summary the summary.json dict."""

    def __init__(self, values, base_values, predictions, classes, stderr=None, inputs=None,
                 groups=None, players=None, output_names=None, summary=None):
        self.values = np.asarray(values, dtype=np.float64)
        self.base_values = np.asarray(base_values, dtype=np.float64)
        self.predictions = np.asarray(predictions, dtype=np.float64)
        self.classes = np.asarray(classes, dtype=np.int64)
        self.stderr = None if stderr is None else np.asarray(stderr, dtype=np.float64)
        self.inputs = None if inputs is None else np.asarray(inputs, dtype=np.float32)
        self.groups = None if groups is None else np.asarray(groups, dtype=np.int64)
        self.players = None if players is None else [str(p) for p in players]
        self.output_names = None if output_names is None else [str(p) for p in output_names]
        self.summary = summary if summary is not None else {}
        self._check("Results")

    def _check(self, where):
        v = self.values
        if v.ndim != 3 or 0 in v.shape:
            raise ValueError("%s: shap_values must be (rows, players, columns), not %s"
                             % (where, v.shape))
        n, m, k = v.shape
        want = {"base_values": (n, k), "classes": (n, k), "stderr": (n, m, k)}
        for name, shape in want.items():
            a = getattr(self, name)
            if a is not None and a.shape != shape:
                raise ValueError("%s: %s has shape %s; shap_values %s needs %s"
                                 % (where, name, a.shape, v.shape, shape))
        p = self.predictions
        if p.ndim != 2 or p.shape[0] != n or p.shape[1] == 0:
            raise ValueError("%s: predictions has shape %s; expected (%d, k)"
                             % (where, p.shape, n))
        if ((self.classes < 0) | (self.classes >= p.shape[1])).any():
            raise ValueError("%s: classes must be output indices 0..%d"
                             % (where, p.shape[1] - 1))
        if self.inputs is not None and (self.inputs.ndim != 2 or len(self.inputs) != n):
            raise ValueError("%s: inputs has shape %s; expected (%d, d)"
                             % (where, self.inputs.shape, n))
        g = self.groups
        if g is not None:
            d = self.inputs.shape[1] if self.inputs is not None else g.shape[-1]
            if g.shape not in ((d,), (n, d)):
                raise ValueError("%s: groups has shape %s; expected (%d,) or (%d, %d)"
                                 % (where, g.shape, d, n, d))
            if ((g < 0) | (g >= m)).any():
                raise ValueError("%s: groups must be player indices 0..%d" % (where, m - 1))
        if self.players is not None and len(self.players) != m:
            raise ValueError("%s: %d player names for %d players" % (where, len(self.players), m))
        if self.output_names is not None and len(self.output_names) != p.shape[1]:
            raise ValueError("%s: %d output names for %d outputs"
                             % (where, len(self.output_names), p.shape[1]))

    # ---- files ------------------------------------------------------------------------------

    @classmethod
    def load(cls, path):
        """Reads a results directory written by `shapc explain` or Results.save."""
        path = os.fspath(path)
        if not os.path.isdir(path):
            raise FileNotFoundError("%s: not a results directory" % path)
        if os.path.exists(os.path.join(path, "text_values.json")) and \
                not os.path.exists(os.path.join(path, "shap_values.npy")):
            raise ValueError("%s holds text-model results (text_values.json); Results reads "
                             "the .npy results of tabular and image models" % path)
        arrays = {}
        for name, attr, _, required in _ARRAYS:
            f = os.path.join(path, name)
            if not os.path.exists(f):
                if required:
                    raise FileNotFoundError("%s: missing" % f)
                continue
            try:
                arrays[attr] = np.load(f, allow_pickle=False)
            except (ValueError, OSError, EOFError) as e:
                raise ValueError("%s: %s" % (f, e)) from None
        summary = {}
        f = os.path.join(path, "summary.json")
        if os.path.exists(f):
            try:
                with open(f, encoding="utf-8") as fh:
                    summary = json.load(fh)
            except (ValueError, UnicodeDecodeError) as e:
                raise ValueError("%s: %s" % (f, e)) from None
        model = summary.get("model") or {}
        r = cls.__new__(cls)
        r.values = arrays["values"].astype(np.float64)
        r.base_values = arrays["base_values"].astype(np.float64)
        r.predictions = arrays["predictions"].astype(np.float64)
        r.classes = arrays["classes"].astype(np.int64)
        r.stderr = arrays["stderr"].astype(np.float64) if "stderr" in arrays else None
        r.inputs = arrays["inputs"].astype(np.float32) if "inputs" in arrays else None
        r.groups = arrays["groups"].astype(np.int64) if "groups" in arrays else None
        r.players = summary.get("players")
        r.output_names = model.get("output_names")
        r.summary = summary
        r._check(path)
        return r

    def save(self, path):
        """Writes the directory (created with its parents if missing); existing result
        files are replaced."""
        path = os.fspath(path)
        os.makedirs(path, exist_ok=True)
        staged = []
        try:
            for name, attr, dtype, _ in _ARRAYS:
                a = getattr(self, attr)
                if a is None:
                    continue
                tmp = os.path.join(path, ".%s.tmp%d" % (name, os.getpid()))
                with open(tmp, "wb") as fh:
                    np.save(fh, np.ascontiguousarray(a, dtype=dtype), allow_pickle=False)
                staged.append((tmp, os.path.join(path, name)))
            tmp = os.path.join(path, ".summary.json.tmp%d" % os.getpid())
            with open(tmp, "w", encoding="utf-8") as fh:
                json.dump(self._summary(), fh, indent=2, default=_plain)
                fh.write("\n")
            staged.append((tmp, os.path.join(path, "summary.json")))
        except BaseException:
            for tmp, _ in staged:
                os.unlink(tmp)
            raise
        for tmp, dst in staged:  # summary.json last
            os.replace(tmp, dst)

    def _summary(self):
        s = dict(self.summary)
        n, m, k = self.values.shape
        s.setdefault("shapc_version", _version())
        s.setdefault("command", "explain")
        s.setdefault("argv", [os.path.basename(sys.executable)] + list(sys.argv))
        model = dict(s.get("model") or {})
        if self.output_names is not None:
            model["output_names"] = self.output_names
        s["model"] = model
        if self.players is not None:
            s["players"] = self.players
        if "instances" not in s:
            s["instances"] = self._instances()
        return s

    def _instances(self):
        n, m, k = self.values.shape
        out = []
        for i in range(n):
            fx = self.base_values[i] + self.values[i].sum(axis=0)
            cand = [(abs(self.values[i, g, c]), g, c) for c in range(k) for g in range(m)
                    if self.values[i, g, c] != 0]
            top = []
            for c in range(k):
                best = sorted((t for t in cand if t[2] == c), reverse=True)[:5]
                top += [{"player": int(g), "name": self.players[g] if self.players
                         else "Feature %d" % g, "class": int(self.classes[i, c]),
                         "value": float(self.values[i, g, c])} for _, g, c in best]
            out.append({"row": i, "fx": [float(v) for v in fx], "top": top})
        return out

    # ---- explanations -----------------------------------------------------------------------

    @classmethod
    def from_explanation(cls, exp):
        """The results of an Explanation from explainer(X) (or one built by hand)."""
        v = np.asarray(exp.values, dtype=np.float64)
        axes = getattr(exp, "axes", None) or ("rows", "features", "outputs")[:v.ndim]
        if "rows" not in axes:
            raise ValueError("Results: the explanation of one row has no rows axis; save "
                             "exp[i:i+1] instead of exp[i]")
        if "features" not in axes:
            raise ValueError("Results: the explanation must keep its features axis")
        multi = "outputs" in axes
        if not multi:
            v = v[:, :, None]
        n, m, k = v.shape
        se = None if exp.stderr is None else np.asarray(exp.stderr, dtype=np.float64)
        if se is not None and not multi:
            se = se[:, :, None]
        base = np.asarray(exp.base_values, dtype=np.float64).reshape(n, k)
        pred = exp.predictions
        if pred is None:
            pred = base + v.sum(axis=1)
        pred = np.asarray(pred, dtype=np.float64).reshape(n, -1)
        classes = np.tile(np.arange(k), (n, 1)) if pred.shape[1] == k else None
        if classes is None:
            raise ValueError("Results: %d explained columns for %d model outputs; build "
                             "Results(...) with classes= directly" % (k, pred.shape[1]))
        data = None if exp.data is None else np.asarray(exp.data, dtype=np.float32)
        groups = getattr(exp, "groups", None)
        if groups is None and data is not None and data.ndim == 2 and data.shape[1] == m:
            groups = np.arange(m)
        info = exp.info if isinstance(exp.info, list) else None
        names = None if exp.feature_names is None else list(exp.feature_names)
        settings = dict(getattr(exp, "settings", None) or {})
        model = dict(getattr(exp, "model", None) or {})
        model.setdefault("path", None)
        model.setdefault("description", None)
        if data is not None and not model.get("input_shape"):
            model["input_shape"] = [int(data.shape[1])]
        summary = {"shapc_version": _version(), "command": "explain",
                   "argv": [os.path.basename(sys.executable)] + list(sys.argv),
                   "model": model, "input": None,
                   "settings": {k2: v2 for k2, v2 in settings.items() if k2 != "explain_s"}}
        if "explain_s" in settings:
            summary["timings"] = {"explain_s": settings["explain_s"],
                                  "per_instance_s": settings["explain_s"] / max(n, 1)}
        r = cls(v, base, pred, classes, se, data, groups, names, exp.output_names, summary)
        inst = r._instances()
        for i, e in enumerate(inst):
            if info is not None and i < len(info):
                e.update({"estimator": info[i]["sampler"], "exact": info[i]["exact"],
                          "n_players": info[i]["n_players"], "n_evals": info[i]["n_evals"]})
        r.summary["instances"] = inst
        return r

    def explanation(self, column=None):
        """The results as an Explanation: every column (values (n, M, K)), or one column
        index (values (n, M))."""
        from ._kernel import Explanation
        v, se, b = self.values, self.stderr, self.base_values
        onames = None
        if self.output_names is not None:
            onames = [self.output_names[c] for c in self.classes[0]]
        if column is not None:
            v, b = v[:, :, column], b[:, column]
            se = None if se is None else se[:, :, column]
            onames = None
        groups = self.groups if self.groups is not None and self.inputs is not None and \
            not np.array_equal(self.groups.reshape(-1)[:self.inputs.shape[1]],
                               np.arange(self.inputs.shape[1])) else None
        return Explanation(v, b, self.inputs, self.players, se, onames, None,
                           self.predictions, groups, self.summary.get("model"),
                           self.summary.get("settings"))

"""plots - shap's plots drawn by the library's cairo renderer (include/shapc/plot.h).

    shapc.plots.beeswarm(explanation, path="summary.png")      # or .svg / .pdf
    png = shapc.plots.bar(explanation)                         # PNG bytes when no path
    shapc.plots.waterfall(explanation[0], path="row0.pdf")
    shapc.plots.image(values, images, labels=names, path="img.png")
    shapc.plots.text(values_of_tokens, tokens, base_value, fx, path="doc.svg")
    shapc.summary_plot(values, X)                              # shap's defaults

Every function takes an Explanation (explainer(X)) or plain arrays, and the style keywords
width, height (points; 0 = fit), dpi (PNG only; 100), title, xlabel, font, font_size, link
("logit" for values in log-odds: the waterfall then also shows probabilities; taken from an
Explanation by default) and, for row plots, max_display. With path=None the PNG bytes are returned (a bytes object that
Jupyter displays); with a path the file is written (its extension picks the format) and
None is returned. Multi-output values take output= (an index or output name); without it
the beeswarm and bar plots use the output with the largest mean |SHAP value| (as `shapc
explain` does) and the waterfall and text plots the row's predicted output.
"""
import ctypes
import os
import shutil
import tempfile

import numpy as np

from . import _lib


class PNG(bytes):
    """PNG bytes that notebooks display."""

    def _repr_png_(self):
        return bytes(self)


def _options(width=0, height=0, dpi=100, title=None, xlabel=None, font=None, font_size=None,
             max_display=None, link=None):
    o = _lib.lib().plot_options()
    if link is not None:
        if link not in _lib.LINK:
            raise ValueError("link must be 'identity' or 'logit', not %r" % (link,))
        o.link = _lib.LINK[link]
    o.width, o.height, o.dpi = float(width or 0), float(height or 0), float(dpi)
    if font is not None:
        o.font_family = str(font).encode("utf-8")
    if font_size is not None:
        o.font_size = float(font_size)
    if max_display is not None:
        if int(max_display) < 1:
            raise ValueError("max_display must be >= 1")
        o.max_display = int(max_display)
    if title:
        o.title = str(title).encode("utf-8")
    if xlabel:
        o.xlabel = str(xlabel).encode("utf-8")
    return o


def _render(path, draw):
    """draw(path_bytes, err) -> status, into `path` or a temporary PNG whose bytes return."""
    err = _lib.Error()
    if path is not None:
        path = os.fspath(path)
        if os.path.splitext(path)[1].lower() not in (".png", ".svg", ".pdf"):
            raise ValueError("%s: plots are written as .png, .svg or .pdf" % path)
        _lib.check(draw(path.encode(), ctypes.byref(err)), err)
        return None
    tmp = tempfile.mkdtemp(prefix="shapc-plot-")
    try:
        f = os.path.join(tmp, "plot.png")
        _lib.check(draw(f.encode(), ctypes.byref(err)), err)
        with open(f, "rb") as fh:
            return PNG(fh.read())
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


# ---- unpacking what the caller gave ---------------------------------------------------------

def _unpack(sv, features=None, feature_names=None):
    """(values ndarray, data, feature_names, base, output_names, predictions, groups, axes)."""
    if hasattr(sv, "values") and hasattr(sv, "base_values"):
        vals = np.asarray(sv.values, dtype=np.float64)
        data = features if features is not None else sv.data
        names = feature_names if feature_names is not None else sv.feature_names
        axes = getattr(sv, "axes", None) or ("rows", "features", "outputs")[:vals.ndim]
        return (vals, data, names, sv.base_values, getattr(sv, "output_names", None),
                getattr(sv, "predictions", None), getattr(sv, "groups", None), axes)
    if isinstance(sv, list):
        vals = np.stack([np.asarray(v, dtype=np.float64) for v in sv], axis=-1)
    else:
        vals = np.asarray(sv, dtype=np.float64)
    return vals, features, feature_names, None, None, None, None, None


def _data_and_names(data, names, m):
    if hasattr(data, "columns") and hasattr(data, "to_numpy"):
        if names is None:
            names = [str(c) for c in data.columns]
        data = data.to_numpy()
    elif isinstance(data, (list, tuple)) and data and all(isinstance(s, str) for s in data):
        if names is None:  # shap: a list of names may stand for feature_names
            names = list(data)
        data = None
    if names is not None:
        names = [str(n) for n in names]
        if len(names) != m:
            raise ValueError("feature_names: %d names for %d features" % (len(names), m))
    return data, names


def _player_values(data, groups, n, m):
    """Feature values colouring the beeswarm (n, m) float32: the data, or the mean of each
    group's features; None when unknown."""
    if data is None:
        return None
    try:
        x = np.asarray(data, dtype=np.float64)
    except (TypeError, ValueError):
        return None
    x = x.reshape(n, -1) if x.size and x.shape[0] == n else x
    if x.shape == (n, m) and groups is None:
        return np.ascontiguousarray(x, dtype=np.float32)
    if groups is not None and np.ndim(groups) == 1 and x.shape == (n, len(groups)):
        g = np.asarray(groups, dtype=np.int64)
        out = np.full((n, m), np.nan)
        cnt = np.bincount(g, minlength=m)
        sums = np.zeros((n, m))
        np.add.at(sums.T, g, x.T)
        ok = cnt > 0
        out[:, ok] = sums[:, ok] / cnt[ok]
        return np.ascontiguousarray(out, dtype=np.float32)
    return None


def _column(vals, axes, output, onames, pick):
    """Index of the output column of multi-output values (vals[..., c])."""
    if "outputs" not in axes:
        if output is not None:
            raise ValueError("output=: these values have a single output")
        return None
    k = vals.shape[-1]
    if output is None:
        return pick()
    if isinstance(output, str):
        if onames is None or output not in list(onames):
            raise ValueError("output=%r: not an output name (%s)" % (
                output, ", ".join(onames) if onames is not None else "no names known"))
        return list(onames).index(output)
    c = int(output)
    if not 0 <= c < k:
        raise ValueError("output=%d: the values have outputs 0..%d" % (c, k - 1))
    return c


def _rows2d(vals, axes, what):
    if vals.ndim == 1 or (axes is not None and "rows" not in axes):
        vals = vals[None]
    if vals.ndim != 2 or 0 in vals.shape:
        raise ValueError("%s: SHAP values must be (rows, features), not of shape %s"
                         % (what, vals.shape))
    if not np.isfinite(vals).all():
        raise ValueError("%s: SHAP values hold NaN or infinity" % what)
    return np.ascontiguousarray(vals)


# ---- the five kinds -------------------------------------------------------------------------

def beeswarm(shap_values, features=None, feature_names=None, *, output=None, max_display=10,
             path=None, **style):
    """One row per feature, one dot per explained row, coloured by the feature's value."""
    vals, data, names, _, onames, _, groups, axes = _unpack(shap_values, features,
                                                            feature_names)
    axes = axes or ("rows", "features", "outputs")[:vals.ndim]
    c = _column(vals, axes, output, onames,
                lambda: int(np.argmax(np.abs(vals).reshape(-1, vals.shape[-1]).sum(0))))
    if c is not None:
        vals = vals[..., c]
    phi = _rows2d(vals, None if c is None else axes[:-1], "beeswarm")
    n, m = phi.shape
    data, names = _data_and_names(data, names, m)
    colours = _player_values(data, groups, n, m)
    names_arr = _lib.strings(names)
    o = _options(max_display=max_display, **style)
    L = _lib.lib()
    return _render(path, lambda p, e: L.plot_beeswarm(
        p, ctypes.byref(o), _lib.f64ptr(phi),
        _lib.f32ptr(colours) if colours is not None else None, n, m, names_arr, e))


def bar(shap_values, feature_names=None, *, output=None, max_display=10, class_names=None,
        path=None, **style):
    """Mean |SHAP value| per feature. Multi-output values without output= draw the stacked
    bar of every output (as shap's summary_plot does for a list); one row draws its signed
    values."""
    vals, _, names, _, onames, _, _, axes = _unpack(shap_values, None, feature_names)
    axes = axes or ("rows", "features", "outputs")[:vals.ndim]
    if "outputs" in axes and output is None:
        v = vals if "rows" in axes else vals[None]
        return _stacked(v, names, class_names if class_names is not None else onames,
                        max_display, path, style)
    c = _column(vals, axes, output, onames, lambda: 0)
    if c is not None:
        vals = vals[..., c]
    if "rows" in axes:
        imp = np.abs(_rows2d(vals, None, "bar")).mean(axis=0)
    else:
        imp = np.ascontiguousarray(vals, dtype=np.float64).reshape(-1)
        if not np.isfinite(imp).all():
            raise ValueError("bar: SHAP values hold NaN or infinity")
    _, names = _data_and_names(None, names, len(imp))
    names_arr = _lib.strings(names)
    o = _options(max_display=max_display, **style)
    L = _lib.lib()
    return _render(path, lambda p, e: L.plot_bar(p, ctypes.byref(o), _lib.f64ptr(imp),
                                                 len(imp), names_arr, e))


def _stacked(vals, names, class_names, max_display, path, style):
    """The multi-output bar: mean |phi| of each feature per output, stacked."""
    if vals.ndim != 3 or 0 in vals.shape:
        raise ValueError("bar: multi-output SHAP values must be (rows, features, outputs), "
                         "not of shape %s" % (vals.shape,))
    if not np.isfinite(vals).all():
        raise ValueError("bar: SHAP values hold NaN or infinity")
    n, m, k = vals.shape
    imp = np.ascontiguousarray(np.abs(vals).mean(axis=0))  # (m, k)
    _, names = _data_and_names(None, names, m)
    if class_names is None:
        class_names = ["Class %d" % c for c in range(k)]
    if len(class_names) != k:
        raise ValueError("class_names: %d names for %d outputs" % (len(class_names), k))
    L = _lib.lib()
    if not L.has("plot_bar_stacked"):
        raise _lib.ShapcError(_lib.EUNSUPPORTED, "%s has no shapc_plot_bar_stacked (the "
                              "stacked multi-output bar): a newer libshapc is needed" % L.path)
    names_arr, cls_arr = _lib.strings(names), _lib.strings(class_names)
    o = _options(max_display=max_display, **style)
    return _render(path, lambda p, e: L.plot_bar_stacked(
        p, ctypes.byref(o), _lib.f64ptr(imp), m, k, names_arr, cls_arr, e))


def waterfall(shap_values, base_value=None, fx=None, features=None, feature_names=None, *,
              output=None, max_display=10, path=None, **style):
    """One row: from the base value E[f(X)] to f(x), the largest contributions as arrows.
    shap_values is an Explanation of one row (exp[i]) or a 1-D array with base_value."""
    vals, data, names, base, onames, pred, groups, axes = _unpack(shap_values, features,
                                                                  feature_names)
    settings = getattr(shap_values, "settings", None) or {}
    if "link" not in style and settings.get("link") in _lib.LINK:
        style["link"] = settings["link"]
    if axes is not None and "rows" in axes:
        if vals.shape[0] != 1:
            raise ValueError("waterfall: explains one row; pass exp[i]")
        vals = vals[0]
        base = None if base is None else np.asarray(base)[0]
        pred = None if pred is None else np.asarray(pred)[0]
        data = None if data is None else np.asarray(data)[0]
        axes = axes[1:]
    axes = axes or ("features", "outputs")[:vals.ndim]
    if base_value is not None:
        base = base_value

    def predicted():
        return int(np.argmax(pred)) if pred is not None and np.size(pred) == vals.shape[-1] \
            else 0
    c = _column(vals, axes, output, onames, predicted)
    if c is not None:
        vals = vals[:, c]
        if base is not None and np.ndim(base):
            base = np.asarray(base).reshape(-1)[c]
    if vals.ndim != 1 or vals.size == 0 or not np.isfinite(vals).all():
        raise ValueError("waterfall: needs one row of finite SHAP values, got shape %s"
                         % (vals.shape,))
    if base is None or np.ndim(base) != 0:
        raise ValueError("waterfall: base_value (a number: E[f(X)] of the plotted output) "
                         "is needed")
    base = float(base)
    fx = float(fx) if fx is not None else base + float(vals.sum())
    phi = np.ascontiguousarray(vals)
    m = len(phi)
    data, names = _data_and_names(data, names, m)
    x = _player_values(None if data is None else np.asarray(data).reshape(1, -1), groups, 1, m)
    names_arr = _lib.strings(names)
    o = _options(max_display=max_display, **style)
    L = _lib.lib()
    return _render(path, lambda p, e: L.plot_waterfall(
        p, ctypes.byref(o), _lib.f64ptr(phi), _lib.f32ptr(x) if x is not None else None, m,
        names_arr, base, fx, e))


def image(shap_values, pixel_values=None, labels=None, probs=None, *, groups=None,
          row_labels=None, path=None, **style):
    """Per row: the image, then per output the faded grey image under a red/blue overlay.

    pixel_values (n, h, w) or (n, h, w, c), c = 1 or 3, raw units. shap_values: an
    Explanation (its data reshaped to the images), a list of p arrays (one per output) each
    (n, h, w[, c]) or (n, h*w*c), or one array (n, h, w[, c][, p]) / (n, h*w*c[, p]).
    Values over channels are summed per pixel; with groups (d, one player per feature) the
    player values are spread over their pixels and their outlines drawn. labels: p names (or
    (n, p)); probs (n, p); row_labels: n titles over the input images."""
    if hasattr(shap_values, "values") and hasattr(shap_values, "base_values"):
        vals = np.asarray(shap_values.values, dtype=np.float64)
        axes = getattr(shap_values, "axes", None) or ("rows", "features", "outputs")[:vals.ndim]
        if "rows" not in axes:
            vals = vals[None]
        if "outputs" not in axes:
            vals = vals[..., None]
        if groups is None:
            groups = getattr(shap_values, "groups", None)
        if pixel_values is None:
            pixel_values = shap_values.data
        if labels is None and getattr(shap_values, "output_names", None) is not None:
            labels = shap_values.output_names
    elif isinstance(shap_values, list):
        vals = np.stack([np.asarray(v, dtype=np.float64) for v in shap_values], axis=-1)
    else:
        vals = np.asarray(shap_values, dtype=np.float64)
        pv = np.asarray(pixel_values)
        if vals.shape == pv.shape or vals.ndim == 2:  # one output, no trailing axis
            vals = vals[..., None]
    if pixel_values is None:
        raise ValueError("image: pixel_values (the images) are needed")
    img = np.asarray(pixel_values, dtype=np.float64)
    n = vals.shape[0]
    if img.ndim == 3:
        img = img[..., None]
    if img.ndim != 4 or img.shape[0] != n or img.shape[3] not in (1, 3):
        raise ValueError("image: pixel_values must be (n, h, w) or (n, h, w, c) with c = 1 "
                         "or 3 for the %d explained rows, not %s" % (n, img.shape))
    _, h, w, c = img.shape
    d = h * w * c
    p = vals.shape[-1]
    flat = vals.reshape(n, -1, p)
    if groups is not None:  # players -> their features
        g = np.asarray(groups, dtype=np.int64).reshape(-1)
        if g.size != d or g.max() >= flat.shape[1]:
            raise ValueError("image: groups must give each of the %d features a player" % d)
        gp = g.reshape(h * w, c)
        first = np.ones_like(gp, dtype=bool)  # count each player once per pixel
        for ch in range(1, c):
            first[:, ch] = (gp[:, ch:ch + 1] != gp[:, :ch]).all(axis=1)
        per = flat[:, gp.reshape(-1), :].reshape(n, h * w, c, p)
        pix = (per * first[None, :, :, None]).sum(axis=2)
    elif flat.shape[1] == d:
        pix = flat.reshape(n, h * w, c, p).sum(axis=2)
    elif flat.shape[1] == h * w:
        pix = flat
    else:
        raise ValueError("image: %d SHAP values per row and output do not match images of "
                         "%dx%dx%d" % (flat.shape[1], h, w, c))
    if not np.isfinite(pix).all() or not np.isfinite(img).all():
        raise ValueError("image: SHAP values and pixels must be finite")
    phi = np.ascontiguousarray(pix.transpose(0, 2, 1))  # (n, p, h*w)
    images = np.ascontiguousarray(img, dtype=np.float32)
    lab = None
    if labels is not None:
        la = np.asarray(labels, dtype=object)
        if la.shape == (p,):
            la = np.tile(la, (n, 1))
        if la.shape != (n, p):
            raise ValueError("image: labels must be %d names or (%d, %d)" % (p, n, p))
        lab = _lib.strings([str(s) for s in la.reshape(-1)])
    pr = None
    if probs is not None:
        pr = np.ascontiguousarray(np.asarray(probs, dtype=np.float64).reshape(n, p))
    outline = None
    if groups is not None:  # the player of each pixel (its first channel's), every row
        outline = np.ascontiguousarray(np.tile(gp[:, 0], (n, 1)), dtype=np.int32)
    rl = None
    if row_labels is not None:
        if len(row_labels) != n:
            raise ValueError("image: %d row_labels for %d rows" % (len(row_labels), n))
        rl = _lib.strings([str(s) for s in row_labels])
    data = _lib.PlotImageData(
        _lib.f32ptr(images), n, h, w, c, _lib.f64ptr(phi), p,
        ctypes.cast(lab, ctypes.POINTER(ctypes.c_char_p)) if lab is not None else None,
        _lib.f64ptr(pr) if pr is not None else None,
        outline.ctypes.data_as(ctypes.POINTER(ctypes.c_int32)) if outline is not None
        else None,
        ctypes.cast(rl, ctypes.POINTER(ctypes.c_char_p)) if rl is not None else None)
    o = _options(**style)
    L = _lib.lib()
    return _render(path, lambda pth, e: L.plot_image(pth, ctypes.byref(o),
                                                     ctypes.byref(data), e))


def text(shap_values, tokens=None, base_value=None, fx=None, *, output=None, path=None,
         **style):
    """Tokens in reading order, each on a background coloured by its SHAP value. tokens:
    strings carrying their own leading spaces (an Explanation's data, by default)."""
    vals, data, _, base, onames, pred, _, axes = _unpack(shap_values)
    if axes is not None and "rows" in axes:
        if vals.shape[0] != 1:
            raise ValueError("text: draws one document; pass exp[i]")
        vals, axes = vals[0], axes[1:]
        base = None if base is None else np.asarray(base)[0]
        pred = None if pred is None else np.asarray(pred)[0]
        data = None if data is None else list(np.asarray(data, dtype=object)[0])
    axes = axes or ("features", "outputs")[:vals.ndim]
    tokens = tokens if tokens is not None else data
    if tokens is None:
        raise ValueError("text: the tokens are needed")
    tokens = [str(t) for t in tokens]
    c = _column(vals, axes, output, onames,
                lambda: int(np.argmax(pred)) if pred is not None else 0)
    if c is not None:
        vals = vals[:, c]
        if base is not None and np.ndim(base):
            base = np.asarray(base).reshape(-1)[c]
    if base_value is not None:
        base = base_value
    if vals.shape != (len(tokens),) or not np.isfinite(vals).all():
        raise ValueError("text: %d tokens need %d finite SHAP values, got shape %s"
                         % (len(tokens), len(tokens), vals.shape))
    base = float(base) if base is not None else 0.0
    fx = float(fx) if fx is not None else base + float(vals.sum())
    phi = np.ascontiguousarray(vals)
    tok = _lib.strings(tokens)
    o = _options(**style)
    L = _lib.lib()
    return _render(path, lambda p, e: L.plot_text(p, ctypes.byref(o), tok, _lib.f64ptr(phi),
                                                  len(tokens), base, fx, e))


def summary_plot(shap_values, features=None, feature_names=None, max_display=None,
                 plot_type=None, class_names=None, *, path=None, show=None, **style):
    """shap.summary_plot's defaults: a beeswarm ("dot") for one output; for a list of
    arrays (one per output) or a 3-D array, the bar of mean |SHAP value| per feature stacked
    by output. max_display defaults to 20 as in shap. show is accepted and ignored (nothing
    is displayed: the PNG bytes are returned, or the file written)."""
    del show
    max_display = 20 if max_display is None else max_display
    vals, data, names, _, onames, _, groups, axes = _unpack(shap_values, features,
                                                            feature_names)
    multi = isinstance(shap_values, list) or (axes is not None and "outputs" in axes) or \
        (axes is None and vals.ndim == 3)
    if multi:
        if plot_type not in (None, "bar"):
            raise ValueError("summary_plot: multi-output values are drawn as plot_type='bar' "
                             "(the stacked bar), not %r" % (plot_type,))
        _, names = _data_and_names(data, names, vals.shape[1])
        return _stacked(vals, names, class_names if class_names is not None else onames,
                        max_display, path, style)
    if plot_type in (None, "dot"):
        if hasattr(shap_values, "values"):
            return beeswarm(shap_values, features, feature_names, max_display=max_display,
                            path=path, **style)
        return beeswarm(vals, data, names, max_display=max_display, path=path, **style)
    if plot_type == "bar":
        _, names = _data_and_names(data, names, vals.shape[-1])
        return bar(vals, names, max_display=max_display, path=path, **style)
    raise ValueError("summary_plot: plot_type %r is not drawn by shapc (use 'dot' or 'bar')"
                     % (plot_type,))

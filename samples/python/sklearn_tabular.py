#!/usr/bin/env python3
"""Explain a scikit-learn classifier with shapc's KernelExplainer and draw its beeswarm.

    /usr/bin/python3 samples/python/sklearn_tabular.py [--rows 40] [-o sklearn-out]

Data: the Wisconsin breast-cancer table that Debian's python3-sklearn ships as
sklearn/datasets/data/breast_cancer.csv (569 rows, 30 features; its first line is metadata:
"569,30,malignant,benign", then 30 values and the class per line). The model is a small
neural network (scaling, then 32 relu units) trained on 80% of the rows; the explanation is
of the probability of "benign" for the first --rows test rows against 50 training rows.
Writes DIR/beeswarm.png and the results directory (shapc plot / shapc report read it).

Needs python3-numpy, python3-pandas, python3-sklearn and the shapc package (installed, or
this source tree's build: PYTHONPATH=build/python).
"""
import argparse
import os
import sys
import time

import numpy as np
import pandas as pd
import sklearn.datasets
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import shapc

ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
ap.add_argument("--rows", type=int, default=40, help="test rows to explain (default 40)")
ap.add_argument("-o", "--output", default="sklearn-out", help="results directory")
a = ap.parse_args()

csv = os.path.join(os.path.dirname(sklearn.datasets.__file__), "data", "breast_cancer.csv")
with open(csv) as fh:
    n_rows, n_features, *classes = fh.readline().strip().split(",")  # the metadata line
n_features = int(n_features)
table = np.loadtxt(csv, delimiter=",", skiprows=1)
if table.shape != (int(n_rows), n_features + 1):
    sys.exit("%s: expected %s rows of %d values" % (csv, n_rows, n_features + 1))
names = list(sklearn.datasets.load_breast_cancer().feature_names)  # not in the CSV
X = pd.DataFrame(table[:, :n_features], columns=names)
y = table[:, n_features].astype(int)
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, random_state=0,
                                                    stratify=y)
clf = make_pipeline(StandardScaler(), MLPClassifier(hidden_layer_sizes=(32,), max_iter=2000,
                                                    random_state=0))
clf.fit(X_train.to_numpy(), y_train)
print("test accuracy %.3f (%d rows)" % (clf.score(X_test.to_numpy(), y_test), len(y_test)))

background = X_train.sample(50, random_state=0)
explainer = shapc.KernelExplainer(clf.predict_proba, background, seed=0,
                                  output_names=classes)
t0 = time.monotonic()
explanation = explainer(X_test[:a.rows])
print("explained %d rows x %d features in %.1f s"
      % (len(explanation), n_features, time.monotonic() - t0))

os.makedirs(a.output, exist_ok=True)
explanation.save(a.output)
benign = explanation[:, :, "benign"]
shapc.plots.beeswarm(benign, path=os.path.join(a.output, "beeswarm.png"),
                     title="SHAP values for p(benign)")
top = np.argsort(-np.abs(benign.values).mean(axis=0))[:3]
print("most important: " + ", ".join("%s (%.3f)" % (names[i], np.abs(benign.values[:, i]).mean())
                                     for i in top))
print("wrote %s/beeswarm.png and the results directory %s/" % (a.output, a.output))

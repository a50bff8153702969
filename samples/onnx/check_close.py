"""check_close - fails unless two .npy arrays have the same shape and agree to a tolerance.

    /usr/bin/python3 check_close.py A.npy B.npy TOL [WHAT]

|a - b| <= TOL for every element (absolute: the arrays compared are probabilities and
Shapley values of probabilities). Prints the largest difference either way.
"""
import sys

import numpy as np


def main():
    a, b = np.load(sys.argv[1]), np.load(sys.argv[2])
    tol, what = float(sys.argv[3]), sys.argv[4] if len(sys.argv) > 4 else "arrays"
    if a.shape != b.shape:
        sys.exit("%s: shapes differ: %s vs %s" % (what, a.shape, b.shape))
    diff = float(np.abs(a.astype(np.float64) - b.astype(np.float64)).max()) if a.size else 0.0
    print("%s: max |difference| %.3g over %d values (tolerance %g)" % (what, diff, a.size, tol))
    if not diff <= tol:
        sys.exit(1)


if __name__ == "__main__":
    main()

"""python3 -m shapc --version: the package's and the loaded library's versions."""
import argparse
import sys

import shapc

ap = argparse.ArgumentParser(prog="python3 -m shapc",
                             description="shap's KernelExplainer API on libshapc")
ap.add_argument("--version", action="store_true", help="print the versions and the library")
a = ap.parse_args()
if not a.version:
    ap.print_help()
    sys.exit(0)
try:
    print("shapc %s (libshapc %s, %s)" % (shapc.__version__, shapc.library_version(),
                                          shapc.library_path()))
except OSError as e:
    print("shapc %s: %s" % (shapc.__version__, e), file=sys.stderr)
    sys.exit(1)

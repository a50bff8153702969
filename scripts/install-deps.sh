#!/usr/bin/env bash
# Installs the Debian 12 packages shapc needs to build, test and run its demo.
# Idempotent and quick when everything is present (checks with dpkg before touching apt).
set -euo pipefail

packages=(
  build-essential cmake pkg-config
  libopenblas-dev liblapacke-dev zlib1g-dev libpng-dev libcairo2-dev libpango1.0-dev
  fonts-dejavu-core dataset-fashion-mnist
  libcmocka-dev python3 python3-numpy python3-pandas python3-sklearn valgrind
  libopenmpi-dev openmpi-bin
  libprotobuf-c-dev protobuf-c-compiler libonnx-dev libonnx-testdata python3-torch python3-onnx
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}" >&2
  sudo_cmd=()
  if [ "$(id -u)" -ne 0 ]; then
    sudo_cmd=(sudo)
  fi
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -qq
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Results are .npy files meant for `python3 -c "import numpy; numpy.load(...)"`. When the
# python3 first on PATH is not Debian's (e.g. a pyenv build of the same 3.x minor version, which
# cannot reach PyPI here), expose Debian's python3-numpy to it by one symlink in its
# site-packages; nothing else of that interpreter is touched.
if command -v python3 >/dev/null && ! python3 -c "import numpy" 2>/dev/null &&
   /usr/bin/python3 -c "import numpy" 2>/dev/null; then
  same=$(python3 -c 'import sys; print("%d.%d" % sys.version_info[:2])')
  deb=$(/usr/bin/python3 -c 'import sys; print("%d.%d" % sys.version_info[:2])')
  site=$(python3 -c 'import site; print(site.getsitepackages()[0])' 2>/dev/null || true)
  if [ "$same" = "$deb" ] && [ -n "$site" ] && [ -d "$site" ] && [ -w "$site" ]; then
    ln -sfn /usr/lib/python3/dist-packages/numpy "$site/numpy"
    echo "install-deps: linked Debian's numpy into $site for $(command -v python3)" >&2
  fi
fi

#!/usr/bin/env bash
# Installs the Debian 12 packages shapc needs to build, test and run its demo.
# Idempotent and quick when everything is present (checks with dpkg before touching apt).
set -euo pipefail

packages=(
  build-essential cmake pkg-config
  libopenblas-dev liblapacke-dev zlib1g-dev libpng-dev libcairo2-dev libpango1.0-dev
  fonts-dejavu-core dataset-fashion-mnist
  libcmocka-dev python3 python3-numpy valgrind
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "install-deps: installing ${missing[*]}" >&2
sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then
  sudo_cmd=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null

#!/usr/bin/env bash
# Installs the system packages GradLab builds against, if any is missing.
# As root: apt-get update (once) + apt-get install -y. Otherwise: says exactly what to install.
set -euo pipefail
packages=(libcairo2-dev libopenblas-dev liblapacke-dev zlib1g-dev pkg-config fonts-dejavu-core)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if ! command -v apt-get >/dev/null 2>&1; then
  echo "GradLab needs: ${missing[*]} (Debian/Ubuntu names). Install them with your package manager." >&2
  exit 1
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "GradLab needs system packages that are missing: ${missing[*]}" >&2
  echo "Install them with:  sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "Installing missing system packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"

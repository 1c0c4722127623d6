#!/usr/bin/env bash
# Writes OUT/sha256.sum for every archive in OUT, in `sha256sum` format: what `action/install.sh`
# checks a download against. Usage: release/checksums.sh OUT
set -euo pipefail
cd "${1:?usage: release/checksums.sh OUT}"
shopt -s nullglob
archives=(sfsec-*.tar.gz sfsec-*.zip)
[ ${#archives[@]} -gt 0 ] || { echo "no archives in $PWD"; exit 1; }
if command -v sha256sum >/dev/null; then
  sha256sum "${archives[@]}" >sha256.sum
else
  shasum -a 256 "${archives[@]}" >sha256.sum
fi
cat sha256.sum

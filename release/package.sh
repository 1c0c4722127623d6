#!/usr/bin/env bash
# Packs one release binary as the release workflow publishes it and `action/install.sh` expects:
# sfsec-TARGET.tar.gz (sfsec at its top), or sfsec-TARGET.zip (sfsec.exe) for Windows.
# Usage: release/package.sh TARGET BINARY OUT
set -euo pipefail
target="${1:?usage: release/package.sh TARGET BINARY OUT}"
binary="${2:?usage: release/package.sh TARGET BINARY OUT}"
out="${3:?usage: release/package.sh TARGET BINARY OUT}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"
stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT
case "$target" in
  *windows*)
    cp "$binary" "$stage/sfsec.exe"
    (cd "$stage" && 7z a -tzip -bso0 "$out/sfsec-$target.zip" sfsec.exe)
    ;;
  *)
    cp "$binary" "$stage/sfsec"
    chmod 755 "$stage/sfsec"
    tar -C "$stage" -czf "$out/sfsec-$target.tar.gz" sfsec
    ;;
esac

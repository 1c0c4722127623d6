#!/usr/bin/env bash
# Installs the release binary of sfsec VERSION for this machine into DEST/bin, after checking its
# SHA-256 against the release's `sha256.sum`. Exit 0: installed; 3: there is no such release (the
# caller builds from source instead); 1: anything else, a checksum that does not match included.
# SFSEC_RELEASE_URL is the releases' base URL, for a mirror or a test
# (default https://github.com/sfsec/sfsec/releases/download).
set -euo pipefail
version="${1:?usage: install.sh VERSION DEST}"
dest="${2:?usage: install.sh VERSION DEST}"
base="${SFSEC_RELEASE_URL:-https://github.com/sfsec/sfsec/releases/download}"

case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) target=x86_64-unknown-linux-musl ext=tar.gz ;;
  Linux-aarch64 | Linux-arm64) target=aarch64-unknown-linux-musl ext=tar.gz ;;
  Darwin-x86_64) target=x86_64-apple-darwin ext=tar.gz ;;
  Darwin-arm64) target=aarch64-apple-darwin ext=tar.gz ;;
  MINGW*-x86_64 | MSYS*-x86_64 | CYGWIN*-x86_64) target=x86_64-pc-windows-msvc ext=zip ;;
  *)
    echo "sfsec: no release binary for $(uname -s) $(uname -m)"
    exit 3
    ;;
esac
asset="sfsec-$target.$ext"
url="$base/v$version"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

fetch() { # fetch NAME: the HTTP status of downloading $url/NAME into $work/NAME
  curl --silent --show-error --location --retry 3 --output "$work/$1" --write-out '%{http_code}' "$url/$1"
}
status="$(fetch "$asset")" || { echo "sfsec: cannot download $url/$asset"; exit 1; }
case "$status" in
  200) ;;
  404)
    echo "sfsec: no release v$version for $target ($url/$asset)"
    exit 3
    ;;
  *)
    echo "sfsec: downloading $url/$asset answered HTTP $status"
    exit 1
    ;;
esac
status="$(fetch sha256.sum)" || status=000
[ "$status" = 200 ] || { echo "sfsec: no checksums for v$version ($url/sha256.sum: HTTP $status)"; exit 1; }

expected="$(awk -v a="$asset" '$2 == a || $2 == "*" a { print $1 }' "$work/sha256.sum")"
if command -v sha256sum >/dev/null; then
  actual="$(sha256sum "$work/$asset" | cut -d' ' -f1)"
else
  actual="$(shasum -a 256 "$work/$asset" | cut -d' ' -f1)"
fi
if [ -z "$expected" ] || [ "$actual" != "$expected" ]; then
  echo "sfsec: the checksum of $asset is ${actual}, the release says ${expected:-nothing}: not installed"
  exit 1
fi

mkdir -p "$dest/bin"
if [ "$ext" = zip ]; then
  unzip -q -o -j "$work/$asset" sfsec.exe -d "$dest/bin"
else
  tar -xzf "$work/$asset" -C "$dest/bin" sfsec
fi
"$dest/bin/sfsec" --version

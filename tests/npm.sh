#!/usr/bin/env bash
# The npm package for real: packs the launcher and this machine's platform package around the
# release binary (npm/pack), installs the tarballs into a throwaway SFDX project with no Rust
# toolchain on the PATH, and checks that `npx sfsec check` reports what the binary reports, and
# that a lint-staged pre-commit hook (lint-staged from the npm registry) refuses a bad Connected
# App and lets the fixed one through. Run by .ci/run.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cargo build --release --quiet --manifest-path "$root/Cargo.toml" --bin sfsec
bin="$root/target/release/sfsec"

case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) platform=linux-x64 ;;
  Linux-aarch64) platform=linux-arm64 ;;
  Darwin-x86_64) platform=darwin-x64 ;;
  Darwin-arm64) platform=darwin-arm64 ;;
  *) echo "npm test: no platform package for $(uname -s)-$(uname -m)"; exit 1 ;;
esac

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
"$root/npm/pack" "$work/dist" "$platform=$bin" >/dev/null
version="$(node -p "require('$root/npm/sfsec/package.json').version")"

project="$work/project"
cp -R "$root/corpus/partner-app" "$project"
rm -rf "$project/.sfsec_cache"
cd "$project"

# Everything below runs as a Salesforce developer's machine would: node, git, no Rust.
export PATH="$(dirname "$(command -v node)"):/usr/bin:/bin"
export HOME="$work/home" npm_config_cache="$work/npm-cache" npm_config_update_notifier=false
mkdir -p "$HOME"
if command -v cargo >/dev/null || command -v rustc >/dev/null; then
  echo "FAIL: a Rust toolchain is still on the PATH"; exit 1
fi

git init -q
git config user.email ci@example.com
git config user.name ci
npm init -y >/dev/null
# The tarballs, not the registry: the other platforms' optional packages are skipped.
npm install --no-audit --no-fund --offline --save-dev \
  "$work/dist/sfsec-$version.tgz" "$work/dist/sfsec-$platform-$version.tgz" >"$work/install.log" 2>&1 \
  || { cat "$work/install.log"; echo "FAIL: npm install of the packed tarballs"; exit 1; }

set +e
npx --no-install sfsec check --now 2026-01-01 --format json --no-cache >"$work/npx.json" 2>"$work/npx.err"
code=$?
"$bin" check --now 2026-01-01 --format json --no-cache >"$work/bin.json" 2>/dev/null
set -e
[ "$code" -eq 1 ] || { cat "$work/npx.err"; echo "FAIL: npx sfsec check exited $code, expected 1 (findings)"; exit 1; }
cmp -s "$work/npx.json" "$work/bin.json" || { echo "FAIL: npx sfsec reports otherwise than the binary"; exit 1; }
findings="$(node -p "require('$work/npx.json').findings.length")"
[ "$findings" -gt 50 ] || { echo "FAIL: npx sfsec check found $findings findings"; exit 1; }
npx --no-install sfsec --version | grep -q "$version" || { echo "FAIL: sfsec --version"; exit 1; }

# A lint-staged hook, as husky runs it: sfsec checks the staged files.
npm install --no-audit --no-fund --save-dev "lint-staged@15" >"$work/lint-staged.log" 2>&1 \
  || { cat "$work/lint-staged.log"; echo "FAIL: npm install lint-staged"; exit 1; }
node -e '
const fs = require("fs");
const p = JSON.parse(fs.readFileSync("package.json"));
p["lint-staged"] = { "*.{cls,trigger,page,js,xml,json}": "sfsec check --allow-empty --no-cache" };
fs.writeFileSync("package.json", JSON.stringify(p, null, 2));
'
git add -A
git commit -qm project --no-verify
app() {
  cat <<XML
<?xml version="1.0" encoding="UTF-8"?>
<ConnectedApp xmlns="http://soap.sforce.com/2006/04/metadata">
    <contactEmail>dev@example.com</contactEmail>
    <label>Npm Sync</label>
    <oauthConfig>
        <callbackUrl>https://npm.example.com/oauth/callback</callbackUrl>
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
file=force-app/main/default/connectedApps/Npm_Sync.connectedApp-meta.xml
app BYPASS >"$file"
git add "$file"
if npx --no-install lint-staged >"$work/bad.log" 2>&1; then
  cat "$work/bad.log"; echo "FAIL: lint-staged let a Connected App that bypasses IP restrictions through"; exit 1
fi
grep -q "oauth-ip-relaxation" "$work/bad.log" || { cat "$work/bad.log"; echo "FAIL: the refusal does not show sfsec's finding"; exit 1; }
app ENFORCE >"$file"
git add "$file"
npx --no-install lint-staged >"$work/good.log" 2>&1 || { cat "$work/good.log"; echo "FAIL: lint-staged refused the fixed app"; exit 1; }
echo "npm: npx sfsec check reports as the binary does without Rust; lint-staged refuses the bad app and passes the fixed one"

#!/usr/bin/env bash
# Produces code-analyzer.json and code-analyzer.sarif again (see README.md): Code Analyzer's core
# and engines from npm, run by a small Node script on a copy of the corpus. Needs Node 20.9+ and
# Java 11+ (PMD). Not part of CI: the outputs are committed as the scanners wrote them.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
work="${1:-/tmp/ca}"
mkdir -p "$work/plug"
cd "$work/plug"
[ -f package.json ] || echo '{"name":"ca","private":true}' >package.json
npm install --no-audit --no-fund --silent @salesforce/code-analyzer-core@0.52.0 \
  @salesforce/code-analyzer-pmd-engine@0.46.0 @salesforce/code-analyzer-regex-engine@0.33.0
cat >run.mjs <<'JS'
import core from '@salesforce/code-analyzer-core';
import pmd from '@salesforce/code-analyzer-pmd-engine';
import regex from '@salesforce/code-analyzer-regex-engine';
import fs from 'node:fs';
const [target, out] = process.argv.slice(2);
const ca = new core.CodeAnalyzer(core.CodeAnalyzerConfig.withDefaults());
await ca.addEnginePlugin(pmd.createEnginePlugin());
await ca.addEnginePlugin(regex.createEnginePlugin());
const workspace = await ca.createWorkspace([target]);
const rules = await ca.selectRules(['Recommended'], { workspace });
const results = await ca.run(rules, { workspace });
fs.writeFileSync(`${out}/code-analyzer.json`, results.toFormattedOutput(core.OutputFormat.JSON));
fs.writeFileSync(`${out}/code-analyzer.sarif`, results.toFormattedOutput(core.OutputFormat.SARIF));
JS
rm -rf "$work/corpus"
cp -r "$here/../../../corpus/partner-app" "$work/corpus"
rm "$work/corpus/force-app/main/default/classes/EligibilityRules.cls"*
cd "$work/corpus"
node "$work/plug/run.mjs" . "$here"

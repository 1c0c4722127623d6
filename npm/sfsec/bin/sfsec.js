#!/usr/bin/env node
'use strict';
// Runs the sfsec binary for this machine, which npm installed from the optional dependency
// @sfsec/<os>-<cpu> (each holds one binary and declares its `os` and `cpu`, so npm installs only
// the one that fits). Arguments, standard streams and the exit code pass through unchanged.

const { spawnSync } = require('node:child_process');

const PACKAGES = {
  'darwin arm64': '@sfsec/darwin-arm64',
  'darwin x64': '@sfsec/darwin-x64',
  'linux arm64': '@sfsec/linux-arm64',
  'linux x64': '@sfsec/linux-x64',
  'win32 x64': '@sfsec/win32-x64',
};

function fail(message) {
  process.stderr.write(`sfsec: ${message}\n`);
  process.exit(2);
}

function binary() {
  // For a binary built from source, or a package mirror with another layout.
  if (process.env.SFSEC_BINARY) {
    return process.env.SFSEC_BINARY;
  }
  const platform = `${process.platform} ${process.arch}`;
  const pkg = PACKAGES[platform];
  if (!pkg) {
    fail(`no prebuilt binary for ${platform}; build one with \`cargo install sfsec --locked\` and set SFSEC_BINARY to it`);
  }
  const exe = process.platform === 'win32' ? 'sfsec.exe' : 'sfsec';
  try {
    return require.resolve(`${pkg}/bin/${exe}`);
  } catch {
    return fail(`${pkg} is not installed: reinstall sfsec with optional dependencies (not --omit=optional)`);
  }
}

const bin = binary();
const run = spawnSync(bin, process.argv.slice(2), { stdio: 'inherit' });
if (run.error) {
  fail(`cannot run ${bin}: ${run.error.message}`);
}
if (run.signal) {
  process.kill(process.pid, run.signal);
}
process.exit(run.status === null ? 2 : run.status);

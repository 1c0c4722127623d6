"""Real-repository cases of bench/run: sfsec and PMD side by side on repositories passed in
(checked out at a pinned commit by the caller, never committed here).

For each repository, by turns so that the machine's drift hits both sides of each pair:
- cold: every rule, no cache, SARIF to a file (what CI runs), against PMD's Apex security rules
  writing SARIF on the package directories; wall time and peak memory of every run;
- pre-commit: 9 classes and 1 field file given as arguments, no cache, against PMD on the same
  files; then the same list with a warm cache; then another list at each run, after a full
  scan filled the per-file cache (a hook's every commit);
- edit one class: after a full scan that filled the cache, one class gains a comment and the
  project is scanned again, against a cold scan (a copy of the repository is edited, not it).

Usage: real.py SFSEC PMD OUT.jsonl REPO_DIR...
"""
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sfsec, pmd, out_path, repos = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2]), sys.argv[3], sys.argv[4:]
RUNS = int(os.environ.get("SFSEC_BENCH_RUNS", "5"))
PMD_RUNS = int(os.environ.get("SFSEC_BENCH_PMD_RUNS", "3"))


def timed(cmd, cwd=None):
    """Wall seconds (the clock here: GNU time's are in hundredths) and peak KB of one run."""
    with tempfile.NamedTemporaryFile("r") as t:
        start = time.perf_counter()
        done = subprocess.run(["/usr/bin/time", "-o", t.name, "-f", "%M", *cmd], cwd=cwd,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        wall = time.perf_counter() - start
        if done.returncode not in (0, 1, 4):
            sys.exit(f"{' '.join(cmd)}: exit {done.returncode}: {done.stderr.decode(errors='replace')[-500:]}")
        kb = t.read().split()[-1]
    return wall, int(kb)


def package_dirs(repo):
    try:
        doc = json.loads((repo / "sfdx-project.json").read_text())
        dirs = [repo / d["path"] for d in doc.get("packageDirectories", []) if (repo / d["path"]).is_dir()]
    except (OSError, ValueError, KeyError, TypeError):
        dirs = []
    return dirs or [repo]


def changed_files(repo, offset=0):
    """9 classes spread over the sorted list, and the first field file: a commit's worth.
    Another `offset` gives another commit's list."""
    classes = sorted(p for d in package_dirs(repo) for p in d.rglob("*.cls"))
    step = max(len(classes) // 9, 1)
    picked = classes[offset % step::step][:9]
    fields = sorted(p for d in package_dirs(repo) for p in d.rglob("*.field-meta.xml"))
    return [str(p) for p in picked + fields[:1]]


def pmd_cmd(targets, report):
    return [pmd, "check", "-d", ",".join(map(str, targets)), "-R", "category/apex/security.xml",
            "-f", "sarif", "-r", report, "--no-cache", "--no-progress"]


def med(xs):
    return statistics.median(xs) if xs else 0


def bench(repo):
    repo = Path(repo).resolve()
    work = Path(tempfile.mkdtemp(prefix="sfsec-real-"))
    copy = work / repo.name
    shutil.copytree(repo, copy, symlinks=True, ignore=shutil.ignore_patterns(".git", ".sfsec_cache"))
    sarif = str(work / "out.sarif")
    cold_cmd = [sfsec, "check", str(copy), "--no-cache", "--format", "sarif", "-o", sarif]
    files = changed_files(copy)
    r = {"repo": repo.name, "files": sum(1 for _ in copy.rglob("*") if _.is_file()), "changed": len(files)}

    # Cold, by turns with PMD (fewer PMD runs: each takes seconds).
    cold, pmd_cold = [], []
    for i in range(RUNS + 1):
        s = timed(cold_cmd)
        if i:
            cold.append(s)
        if 0 < i <= PMD_RUNS:
            pmd_cold.append(timed(pmd_cmd(package_dirs(copy), str(work / "pmd.sarif"))))
    r["cold"] = {"wall": med([w for w, _ in cold]), "kb": max(k for _, k in cold)}
    r["pmd_cold"] = {"wall": med([w for w, _ in pmd_cold]), "kb": max(k for _, k in pmd_cold)}

    # Pre-commit: the list given, no cache; PMD on the same files; then a warm cache.
    pre_cmd = [sfsec, "check", "--no-cache", *files, "-o", "/dev/null"]
    pre, pmd_pre = [], []
    for i in range(2 * RUNS + 1):
        s = timed(pre_cmd, cwd=copy)
        if i:
            pre.append(s)
        if 0 < i <= PMD_RUNS:
            pmd_pre.append(timed(pmd_cmd(files, str(work / "pmd-pre.sarif"))))
    r["precommit"] = {"wall": med([w for w, _ in pre]), "kb": max(k for _, k in pre)}
    r["pmd_precommit"] = {"wall": med([w for w, _ in pmd_pre])}
    warm_cmd = [sfsec, "check", *files, "-o", "/dev/null"]
    timed(warm_cmd, cwd=copy)
    r["precommit_warm"] = {"wall": med([timed(warm_cmd, cwd=copy)[0] for _ in range(2 * RUNS)])}

    # Pre-commit on another list at each commit: the scan's result is not cached, the files'
    # are (a full scan filled the per-file cache, as the first run in a checkout does).
    cached_cmd = [sfsec, "check", str(copy), "-o", "/dev/null"]
    timed(cached_cmd)
    r["precommit_new_list"] = {"wall": med([
        timed([sfsec, "check", *changed_files(copy, i + 1), "-o", "/dev/null"], cwd=copy)[0]
        for i in range(2 * RUNS)])}

    # Edit one class, re-scan with the cache a full scan filled; against cold, by turns.
    edited = Path(files[0])
    original = edited.read_text(encoding="utf-8", errors="surrogateescape")
    ratios = []
    for i in range(RUNS):
        timed(cached_cmd)
        edited.write_text(original + f"\n// edit {i}\n", encoding="utf-8", errors="surrogateescape")
        e = timed(cached_cmd)[0]
        c = timed(cold_cmd)[0]
        ratios.append(e / c)
    edited.write_text(original, encoding="utf-8", errors="surrogateescape")
    r["edit_ratio"] = med(ratios)
    shutil.rmtree(work, ignore_errors=True)
    return r


with open(out_path, "w") as out:
    for repo in repos:
        print(f"== real repository {repo}", flush=True)
        out.write(json.dumps(bench(repo)) + "\n")

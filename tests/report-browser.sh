#!/usr/bin/env bash
# `sfsec report` in a real browser: headless Chromium (Debian's package, installed if missing)
# loads the corpus report and the test checks that every section renders with content, that the
# report's script ran without a console error (filtering from the URL included), and that two
# broken copies (a script error, a script the CSP refuses) are caught, so the check can fail.
# It then prints the report to PDF (folded rules opened for print) and checks the pages: every
# section and finding printed, no word broken inside a table cell, and a control with the old
# table style that did break them. The screenshot and the first pages are kept in
# target/test-artifacts/.
set -euo pipefail
cd "$(dirname "$0")/.."

need() { # command, Debian package
  command -v "$1" >/dev/null 2>&1 && return 0
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get install -y --no-install-recommends "$2" >/dev/null 2>&1 ||
    { $sudo apt-get update >/dev/null && $sudo apt-get install -y --no-install-recommends "$2" >/dev/null; }
}
need chromium chromium
# pdftotext and pdftoppm read the printed report.
need pdftotext poppler-utils

target="${CARGO_TARGET_DIR:-target}"
cargo build --release --quiet
sfsec="$target/release/sfsec"
artifacts="$target/test-artifacts"
mkdir -p "$artifacts"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# With Code Analyzer's and PMD's results on the corpus and the partner's notes for them.
ca=tests/data/code-analyzer
"$sfsec" report corpus/partner-app --now 2026-01-01 -o "$work/report.html" \
  --include "$ca/code-analyzer.json" --include "$ca/pmd.sarif" --notes "$ca/false-positives.toml" 2>/dev/null
set +e
"$sfsec" check corpus/partner-app --now 2026-01-01 --no-cache --format json -o "$work/findings.json" 2>/dev/null
set -e

browse() { # file, extra args...: the DOM on stdout, the console in $work/<name>.log
  local name="$1"
  shift
  timeout 120 chromium --headless --no-sandbox --disable-gpu --no-first-run \
    --user-data-dir="$work/profile" --enable-logging=stderr --v=0 "$@" 2>"$work/$name.log"
}

browse report --dump-dom "file://$work/report.html#q=stripe" >"$work/report.dom"
timeout 120 chromium --headless --no-sandbox --disable-gpu --no-first-run --hide-scrollbars \
  --user-data-dir="$work/profile" --window-size=1280,3000 \
  --screenshot="$artifacts/report.png" "file://$work/report.html" >/dev/null 2>&1

# Printed to PDF as a reviewer would (the script opens every folded rule before printing), and
# a control printed with the old table style, which broke words inside cells.
pdf() { # html, pdf
  timeout 120 chromium --headless --no-sandbox --disable-gpu --no-first-run --no-pdf-header-footer \
    --user-data-dir="$work/profile" --print-to-pdf="$2" "file://$1" >/dev/null 2>&1
}
sed -e 's/overflow-wrap: break-word; }/overflow-wrap: anywhere; }/' -e 's/code.rule { white-space: nowrap; }//' \
  "$work/report.html" >"$work/narrow.html"
pdf "$work/report.html" "$work/report.pdf"
pdf "$work/narrow.html" "$work/narrow.pdf"
pdftotext "$work/report.pdf" "$work/report.txt"
pdftotext "$work/narrow.pdf" "$work/narrow.txt"
pdfinfo "$work/report.pdf" | sed -n 's/^Pages: *//p' >"$work/pages"
rm -f "$artifacts"/report-page-*.png
pdftoppm -r 60 -png -f 1 -l 3 "$work/report.pdf" "$artifacts/report-page"

# The controls: the same report with a script error (re-hashed, so the CSP allows it), and with
# a changed script the CSP must refuse.
python3 - "$work" <<'PY'
import base64, hashlib, re, sys
work = sys.argv[1]
html = open(f"{work}/report.html", encoding="utf-8").read()
a = html.index("<script>") + len("<script>")
b = html.index("</script>")
broken = html[a:b].replace("'use strict';", "'use strict';\n  notDefined();", 1)
digest = base64.b64encode(hashlib.sha256(broken.encode()).digest()).decode()
rehashed = re.sub(r"script-src 'sha256-[^']*'", f"script-src 'sha256-{digest}'", html[:a] + broken + html[b:])
open(f"{work}/error.html", "w", encoding="utf-8").write(rehashed)
open(f"{work}/csp.html", "w", encoding="utf-8").write(html[:a] + broken + html[b:])
PY
browse error --dump-dom "file://$work/error.html" >"$work/error.dom"
browse csp --dump-dom "file://$work/csp.html" >"$work/csp.dom"

python3 - "$work" "$artifacts/report.png" <<'PY'
import json, re, sys
from html.parser import HTMLParser

work, png = sys.argv[1], sys.argv[2]
SECTIONS = ["scope", "summary", "findings", "false-positives", "other-scanners", "disclosure",
            "oauth-apps", "coverage", "attestation"]

class Dom(HTMLParser):
    """Sections with their headings and how many elements they hold; findings; chart bars."""
    def __init__(self):
        super().__init__()
        self.ready = False
        self.sections, self.stack, self.section = {}, [], None
        self.findings, self.hidden, self.bars, self.heading, self.status = 0, 0, 0, False, ""
        self.included, self.included_hidden = 0, 0
        self.in_status = False
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "html" and a.get("data-script") == "ready":
            self.ready = True
        if tag == "section" and a.get("id") in SECTIONS:
            self.section = a["id"]
            self.sections[self.section] = {"title": "", "elements": 0}
        elif self.section:
            self.sections[self.section]["elements"] += 1
        self.heading = tag == "h2" and self.section is not None
        if tag == "li" and "finding" in (a.get("class") or "").split():
            self.findings += 1
            if "hidden" in a:
                self.hidden += 1
        if tag == "rect" and a.get("class") == "bar":
            self.bars += 1
        if tag == "details" and "included" in (a.get("class") or "").split():
            self.included += 1
            self.included_hidden += "hidden" in a
        self.in_status = a.get("id") == "filter-status"
    def handle_data(self, data):
        if self.heading and self.section:
            self.sections[self.section]["title"] += data
        if self.in_status:
            self.status += data
    def handle_endtag(self, tag):
        if tag == "h2":
            self.heading = False
        if tag == "span":
            self.in_status = False

def load(name):
    dom = Dom()
    dom.feed(open(f"{work}/{name}.dom", encoding="utf-8").read())
    console = [l for l in open(f"{work}/{name}.log", encoding="utf-8", errors="replace") if ":CONSOLE" in l]
    return dom, console

problems = []
dom, console = load("report")
findings = json.load(open(f"{work}/findings.json"))["findings"]
active = [f for f in findings if f.get("suppressed") is None]
if not dom.ready:
    problems.append("the report's script did not run to the end")
problems += [f"console: {l.strip()}" for l in console]
for s in SECTIONS:
    got = dom.sections.get(s)
    if got is None:
        problems.append(f"section {s} did not render")
    elif not got["title"].strip() or got["elements"] < 2:
        problems.append(f"section {s} is empty: {got}")
if dom.findings != len(active):
    problems.append(f"{dom.findings} findings rendered, {len(active)} active in the scan")
if dom.bars == 0:
    problems.append("the chart has no bars")
# Other scanners' rules fold too, and the filter of sfsec's findings leaves them alone.
if dom.included < 10 or dom.included_hidden:
    problems.append(f"{dom.included} folded rules of other scanners, {dom.included_hidden} hidden by the filter")
shown = dom.findings - dom.hidden
if not (0 < shown < dom.findings) or dom.status.strip() != f"{shown} of {dom.findings} findings shown":
    problems.append(f"the #q=stripe filter showed {shown} of {dom.findings} ({dom.status!r})")

# The controls must fail the same checks.
for name, expect in [("error", "Uncaught"), ("csp", "Content Security Policy")]:
    d, c = load(name)
    if d.ready or not any(expect in l for l in c):
        problems.append(f"control {name}: a broken script went unnoticed ({c})")

class Cells(HTMLParser):
    """The words of every table cell, and the section titles."""
    def __init__(self):
        super().__init__()
        self.depth, self.words, self.titles, self.h2 = 0, set(), [], False
    def handle_starttag(self, tag, attrs):
        self.depth += tag in ("td", "th")
        self.h2 = self.h2 or tag == "h2"
    def handle_endtag(self, tag):
        self.depth -= tag in ("td", "th")
        if tag == "h2":
            self.h2 = False
    def handle_data(self, data):
        if self.h2:
            self.titles.append(data.strip())
        if self.depth:
            for w in data.split():
                w = w.strip(",.;:()")
                # Words and rule ids; paths break after a slash by design, digests only when
                # a cell is narrower than they are.
                if re.fullmatch(r"[A-Za-z][A-Za-z0-9-]{3,39}", w):
                    self.words.add(w)

def broken_words(text_file):
    cells = Cells()
    cells.feed(open(f"{work}/report.html", encoding="utf-8").read())
    printed = set(re.findall(r"[A-Za-z0-9-]+", open(text_file, encoding="utf-8").read()))
    return cells, sorted(w for w in cells.words if w not in printed)

cells, broken = broken_words(f"{work}/report.txt")
printed = open(f"{work}/report.txt", encoding="utf-8").read()
pages = int(open(f"{work}/pages").read().strip() or 0)
if pages < 2:
    problems.append(f"the PDF has {pages} pages")
if broken:
    problems.append(f"printed, words broken inside table cells: {broken[:10]}")
if len(cells.words) < 100:
    problems.append(f"only {len(cells.words)} words in table cells: the check reads nothing")
missing = [t for t in cells.titles if t not in printed]
if missing or len(cells.titles) != len(SECTIONS):
    problems.append(f"printed, sections missing: {missing} of {cells.titles}")
badges = len(re.findall(r"\b(?:ERROR|WARNING|NOTE)\b", printed))
if badges != len(active):
    problems.append(f"printed, {badges} findings of {len(active)}: folded rules were not opened")
# The included Code Analyzer and PMD findings, with the three the notes explain.
if printed.count("false positive:") != 3 or "Code Analyzer 0.52.0" not in printed:
    problems.append(f"printed, {printed.count('false positive:')} explained findings of other scanners, not 3")
_, narrow_broken = broken_words(f"{work}/narrow.txt")
if not narrow_broken:
    problems.append("control narrow: the old table style broke no word, so the check cannot fail")

with open(png, "rb") as f:
    if f.read(8) != b"\x89PNG\r\n\x1a\n":
        problems.append("no screenshot")

for p in problems:
    print(f"report-browser: {p}")
if problems:
    sys.exit(1)
print(f"report-browser: {len(SECTIONS)} sections, {dom.findings} findings, {dom.bars} chart bars, "
      f"{dom.included} folded rules of other scanners; "
      f"filter showed {shown}; no console message; printed {pages} pages with every section and "
      f"finding, no broken word in {len(cells.words)} table words (the old style broke "
      f"{len(narrow_broken)}); controls caught; screenshot {png}")
PY

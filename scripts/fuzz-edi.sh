#!/usr/bin/env bash
# Fuzzes the EDI engine (crates/edi) with cargo-fuzz on stable (`--sanitizer none`), one target at
# a time: tokenize, validate, writer (see fuzz/fuzz_targets). Not called by CI.
#
#   scripts/fuzz-edi.sh                  # every target, 10 minutes each
#   FUZZ_SECS=60 scripts/fuzz-edi.sh validate
#
# The seed corpus is generated first (bench/edi: `acorn-edi-bench seeds`), from the engine's own
# test inputs, a generated 850 and, when present on the machine, /work/shared/edi-samples (read at
# seed time only; corpora are not committed: fuzz/.gitignore). A crash leaves its input in
# fuzz/artifacts/<target>/ and makes the script exit non-zero; replay it with
#   (cd fuzz && cargo fuzz run <target> --sanitizer none artifacts/<target>/crash-…)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

secs=${FUZZ_SECS:-600}
targets=${*:-tokenize validate writer}
fuzz_target_dir=${FUZZ_TARGET_DIR:-/root/.cache/acorn-fuzz-target}
bench_target_dir=${BENCH_TARGET_DIR:-/root/.cache/acorn-bench-target}

command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked

CARGO_TARGET_DIR=$bench_target_dir cargo run --release --quiet --manifest-path bench/edi/Cargo.toml -- seeds "$root/fuzz/corpus/seeds"

cd fuzz
mkdir -p logs
# libFuzzer's own instrumentation only: no sanitizer, so the stable toolchain builds it.
cargo fuzz build --sanitizer none --target-dir "$fuzz_target_dir"
status=0
for t in $targets; do
  mkdir -p "corpus/$t"
  cp -n corpus/seeds/* "corpus/$t/" 2>/dev/null || true
  echo "== $t: ${secs}s"
  start=$(date +%s)
  set +e
  cargo fuzz run "$t" --sanitizer none --target-dir "$fuzz_target_dir" "corpus/$t" -- \
    -max_total_time="$secs" -max_len=16384 -rss_limit_mb=2048 -print_final_stats=1 >"logs/$t.log" 2>&1
  rc=$?
  set -e
  elapsed=$(($(date +%s) - start))
  execs=$(grep -a 'stat::number_of_executed_units' "logs/$t.log" | awk '{print $2}')
  rate=$(grep -a 'stat::average_exec_per_sec' "logs/$t.log" | awk '{print $2}')
  last=$(grep -a -E '^#[0-9]+' "logs/$t.log" | tail -1)
  cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
  ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
  corpus=$(find "corpus/$t" -type f | wc -l)
  crashes=$(find "artifacts/$t" -type f 2>/dev/null | wc -l)
  echo "$t: exit $rc, ${elapsed}s, ${execs:-?} execs, ${rate:-?} exec/s, cov ${cov:-?}, ft ${ft:-?}, corpus ${corpus} files, artifacts ${crashes}" | tee -a logs/summary.txt
  if [ "$rc" -ne 0 ]; then
    status=1
    grep -a -m1 -A3 'panicked' "logs/$t.log" || tail -20 "logs/$t.log"
  fi
done
exit $status

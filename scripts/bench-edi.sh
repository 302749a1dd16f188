#!/usr/bin/env bash
# Benchmarks the EDI engine (crates/edi) on a generated ~100 MB Amazon 850 interchange, side by side
# in one run with a memchr scan for segment terminators (the ceiling), the `x12-stream-parser` and
# `edi` crates, and streaming validation with its peak memory. Release build of bench/edi, a
# package outside the workspace (its own Cargo.lock), so CI never builds those crates. Not called
# by CI. Results and how to read them: docs/perf.md, "EDI engine".
#
#   scripts/bench-edi.sh                 # 100 MB, 5 rounds
#   BENCH_MB=20 BENCH_ROUNDS=3 scripts/bench-edi.sh
#   BENCH_NEWLINES=1 scripts/bench-edi.sh   # segments terminated by "~\n" instead of "~"
#
# Instruction counts (steadier than time on a busy machine), per target:
#   target/…/acorn-edi-bench gen /tmp/e5.edi 5
#   valgrind --tool=callgrind target/…/acorn-edi-bench once acorn-full /tmp/e5.edi
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR=${BENCH_TARGET_DIR:-/root/.cache/acorn-bench-target}
cargo build --release --manifest-path bench/edi/Cargo.toml
echo "machine: $(nproc) CPUs, $(lscpu | sed -n 's/^Model name: *//p'), load average $(cut -d' ' -f1-3 /proc/loadavg)"
"$CARGO_TARGET_DIR/release/acorn-edi-bench" bench
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

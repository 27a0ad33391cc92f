#!/usr/bin/env bash
# `make bench-opt-level`: how the release profile's opt-level changes the filters' size and
# speed. Builds every filter at opt-level 3, s and z (separate target dirs), trims them as
# `make build` does, and measures each set with pavise-bench (small GET and 16 KiB POST).
# Prints one table; the choice in Cargo.toml's [profile.release] follows it.
set -euo pipefail
cd "$(dirname "$0")/.."
FILTERS=${FILTERS:-auth}
SECONDS_PER_RUN=${SECONDS_PER_RUN:-3}
cargo build --release -q -p pavise-wasm-trim --bins
cargo build --profile tools -q -p pavise-bench -p pavise-tests --bins
rows=()
for level in 3 s z; do
  dir=target/opt-$level
  packages=()
  for f in $FILTERS; do packages+=(-p "pavise-$f-wasm"); done
  CARGO_PROFILE_RELEASE_OPT_LEVEL=$level cargo build --release -q --target wasm32-wasip1 \
    --target-dir "$dir" "${packages[@]}"
  out=$dir/bench
  mkdir -p "$out"
  only=()
  for f in $FILTERS; do
    target/release/pavise-wasm-trim "$dir/wasm32-wasip1/release/pavise_$f.wasm" "wasm/$f/callbacks" >/dev/null
    only+=("pavise-$f")
  done
  PAVISE_WASM_DIR=$dir/wasm32-wasip1/release target/tools/pavise-bench \
    --seconds "$SECONDS_PER_RUN" --rounds 2 --only "$(IFS=,; echo "${only[*]}")" --out "$out" >/dev/null
  for f in $FILTERS; do
    rows+=("$(python3 - "$out/results.json" "$f" "$level" "$dir/wasm32-wasip1/release/pavise_$f.wasm" <<'PY'
import json, os, statistics, sys
res, f, level, wasm = sys.argv[1:]
data = json.load(open(res))
def rps(name, work):
    for c in data["configs"]:
        if c["name"] == name:
            return statistics.median(r["rps"] for r in c["runs"][work])
ratio = lambda w: 100 * rps(f"pavise-{f}", w) / rps("bare", w)
print(f"| {f} | {level} | {os.path.getsize(wasm) // 1024} | {ratio('small_get'):.1f}% | {ratio('post_json_16k'):.1f}% |")
PY
)")
  done
done
echo "| filter | opt-level | size (KiB) | small GET vs bare | 16 KiB POST vs bare |"
echo "|---|---|---|---|---|"
printf '%s\n' "${rows[@]}"

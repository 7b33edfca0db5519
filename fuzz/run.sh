#!/usr/bin/env bash
# Bounded fuzzing of every target: `fuzz/run.sh <seconds> [target...]`.
#
# Seeds the corpora (seed.sh), builds the targets without a sanitizer (works on stable; debug
# assertions and overflow checks on), then fuzzes each target for <seconds>. Exits non-zero
# as soon as a target finds a crash, a failed assertion, a leak of time (-timeout) or of
# memory (-rss_limit_mb); the input is saved under fuzz/artifacts/<target>/ and the log is
# fuzz/logs/<target>.log. Needs cargo-fuzz (`cargo install cargo-fuzz`).
set -euo pipefail
cd "$(dirname "$0")"

if [ $# -lt 1 ] || ! [[ "$1" =~ ^[0-9]+$ ]]; then
    echo "usage: fuzz/run.sh <seconds per target> [target...]" >&2
    exit 2
fi
seconds="$1"
shift
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    targets=(sdp_roundtrip negotiate cpim_message cpim_frames)
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "fuzz/run.sh: cargo-fuzz is not installed (cargo install cargo-fuzz)" >&2
    exit 1
fi

./seed.sh
cargo fuzz build -s none
mkdir -p logs
# The libFuzzer dictionary of a target: the tokens of the format it parses.
dict() {
    case "$1" in
    sdp_roundtrip | negotiate) echo "$PWD/dicts/sdp.dict" ;;
    *) echo "$PWD/dicts/cpim.dict" ;;
    esac
}
for t in "${targets[@]}"; do
    echo "== fuzz $t for ${seconds}s"
    if ! cargo fuzz run -s none "$t" -- -dict="$(dict "$t")" \
        -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1 >"logs/$t.log" 2>&1; then
        tail -n 60 "logs/$t.log" >&2
        echo "fuzz/run.sh: $t failed; input in fuzz/artifacts/$t/, log in fuzz/logs/$t.log" >&2
        exit 1
    fi
    grep -E '^#[0-9]+.*DONE|stat::number_of_executed_units|stat::average_exec_per_sec' \
        "logs/$t.log" | sed 's/^/   /'
done

#!/usr/bin/env bash
# Fills fuzz/corpus/<target>/ with the seed inputs: the SDP conformance vectors, every file in
# conformance/vectors/cpim and conformance/vectors/framing (whatever is there), and the CPIM
# examples of the codec tests kept in fuzz/seeds/. Seeds are named seed-<source>-<file>, so
# rerunning refreshes them without touching what the fuzzer has added.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
vectors="$here/../conformance/vectors"
corpus="$here/corpus"

# Regular files under a directory, skipping documentation and expectation files.
inputs() {
    [ -d "$1" ] || return 0
    find "$1" -type f ! -name '*.md' ! -name '*.expect' | sort
}

# A seed name for file $2 under directory $1: its relative path with / as _.
seed_name() {
    local rel="${2#"$1"/}"
    echo "${rel//\//_}"
}

# The cpim_frames input: split-size prefix (see fuzz_targets/cpim_frames.rs), then the stream.
# Three splits each: one byte at a time; pieces of 1, 7 and 64 bytes; empty appends and 5.
frames_seed() { # name, stream file
    printf '\000' | cat - "$2" >"$corpus/cpim_frames/$1-bytes"
    printf '\003\001\007\100' | cat - "$2" >"$corpus/cpim_frames/$1-1-7-64"
    printf '\002\000\005' | cat - "$2" >"$corpus/cpim_frames/$1-0-5"
}

# A message/cpim body in its outer envelope.
envelope() { # body file
    printf 'Content-Type: message/cpim\r\nContent-Length: %d\r\n\r\n' "$(wc -c <"$1")"
    cat "$1"
}

mkdir -p "$corpus"/{sdp_roundtrip,negotiate,cpim_message,cpim_frames}
find "$corpus" -maxdepth 2 -type f -name 'seed-*' -delete
tmp="$(mktemp)"
trap 'rm -f "$tmp"' EXIT

for dir in "$vectors/sdp" "$here/seeds/sdp"; do
    inputs "$dir" | while IFS= read -r f; do
        name="seed-sdp-$(seed_name "$dir" "$f")"
        cp "$f" "$corpus/sdp_roundtrip/$name"
        cp "$f" "$corpus/negotiate/$name"
    done
done
for dir in "$vectors/cpim" "$here/seeds/cpim_message"; do
    inputs "$dir" | while IFS= read -r f; do
        name="seed-cpim-$(seed_name "$dir" "$f")"
        cp "$f" "$corpus/cpim_message/$name"
        envelope "$f" >"$tmp"
        frames_seed "$name" "$tmp"
    done
done
for dir in "$vectors/framing" "$here/seeds/cpim_frames"; do
    inputs "$dir" | while IFS= read -r f; do
        frames_seed "seed-frames-$(seed_name "$dir" "$f")" "$f"
    done
done

for t in sdp_roundtrip negotiate cpim_message cpim_frames; do
    echo "$t: $(find "$corpus/$t" -maxdepth 1 -type f -name 'seed-*' | wc -l) seeds"
done

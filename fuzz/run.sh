#!/usr/bin/env bash
# Runs each fuzz target in turn for SECONDS (default 600) on its seeded corpus, at low priority.
#   fuzz/run.sh 600            all three targets, 10 minutes each
#   fuzz/run.sh 60 suite       one target
# Crashes land in fuzz/artifacts/<target>/; the summary of each run in fuzz/logs/<target>.log.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
seconds="${1:-600}"
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(suite cassette api_ref)
cd "$here/.."
[ -d "$here/corpus/suite" ] || "$here/seed.sh"
mkdir -p "$here/logs"
status=0
for t in "${targets[@]}"; do
    echo "== $t: ${seconds}s"
    # -timeout: one input may take at most 10 s; -rss_limit_mb: 2 GiB (libFuzzer's default, explicit).
    if ! nice -n 15 cargo +nightly fuzz run "$t" "fuzz/corpus/$t" -- \
        -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        >"$here/logs/$t.log" 2>&1; then
        status=1
        echo "   crashed: see fuzz/logs/$t.log and fuzz/artifacts/$t/"
    fi
    grep -E "^(stat::|Done|#[0-9]+ +DONE)" "$here/logs/$t.log" | sed 's/^/   /' || true
    echo "   corpus: $(ls "$here/corpus/$t" | wc -l) files"
done
exit $status

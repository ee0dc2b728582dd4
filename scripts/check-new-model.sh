#!/usr/bin/env bash
# The new-model acceptance, end to end, in a scratch clone of this repository (committed files only):
#   npm run new-model -- fraud --framework sklearn, then synth at stages 3 and 4, the Python suites and lint,
# with no hand edits in between. Run by .ci/run; needs what .ci/run needs.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
git clone -q "$root" "$work/repo"
ln -s "$root/node_modules" "$work/repo/node_modules"
cd "$work/repo"

npm run --silent new-model -- fraud --framework sklearn
for stage in 3 4; do
  npx cdk synth -c maturity="$stage" -o "$work/out-$stage" >"$work/synth-$stage.log" 2>&1 || {
    cat "$work/synth-$stage.log" >&2
    echo "new-model: synth at maturity $stage failed after scaffolding fraud" >&2
    exit 1
  }
  grep -q "Model-fraud" "$work/synth-$stage.log" || {
    cat "$work/synth-$stage.log" >&2
    echo "new-model: the synth summary at maturity $stage lists no Model-fraud stack" >&2
    exit 1
  }
done
python3 -m pytest ml -q -p no:cacheprovider
ML_REQUIRE_SKLEARN=1 /usr/bin/python3 -m pytest ml -q -p no:cacheprovider
npm run --silent lint
echo "new-model: fraud (sklearn) scaffolded, synthesized at stages 3 and 4, its tests and lint pass"

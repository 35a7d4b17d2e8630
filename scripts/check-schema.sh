#!/usr/bin/env bash
# Check Grace DSL files against schema/grace.schema.json with check-jsonschema, a second validator
# independent of scripts/check-schema.py's (it matches `pattern` with an ECMA-262 engine, regress).
#
#   scripts/check-schema.sh FILE|DIR...
#
# check-jsonschema validates one instance per file and refuses multi-document YAML, so each document
# is first written as its own JSON file (by check-schema.py --split-to, which also reports YAML-level
# problems: syntax, duplicate keys, limits). The schema files identify each other by https `$id`s that
# are never fetched: check-jsonschema gets them as one compound schema (check-schema.py --bundle-to,
# the 2020-12 bundling of embedded resources), so it resolves every `$ref` offline.
#
# Output: check-jsonschema's, naming each document as FILE/doc-N-line-L.json. Exit 0 when every
# document is valid, 1 otherwise, 2 on a usage error.
#
# Both validators run in the project's Python environment: $GRACE_PYTHON when set (scripts/test sets it), else
# .venv/bin/python3, which `scripts/venv` creates with check-jsonschema, jsonschema and PyYAML in it.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
checker="$here/check-schema.py"
python="${GRACE_PYTHON:-$here/../.venv/bin/python3}"

if [ "$#" -eq 0 ]; then
    echo "usage: $0 FILE|DIR..." >&2
    exit 2
fi
if ! "$python" -c 'import check_jsonschema, jsonschema, yaml' >/dev/null 2>&1; then
    echo "check-schema.sh: no Python environment with check-jsonschema at $python: run scripts/venv" >&2
    exit 2
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

status=0
"$python" "$checker" --bundle-to "$work/grace.bundle.schema.json"
"$python" "$checker" --split-to "$work/docs" "$@" || status=1

mapfile -t documents < <(cd "$work/docs" 2>/dev/null && find . -name '*.json' -type f | sed 's|^\./||' | LC_ALL=C sort)
if [ "${#documents[@]}" -gt 0 ]; then
    (cd "$work/docs" && "$python" -m check_jsonschema --no-cache --schemafile "$work/grace.bundle.schema.json" \
        -- "${documents[@]}") || status=1
fi
exit "$status"

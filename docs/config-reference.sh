#!/bin/sh
# README.md's configuration reference is `docpipe config --reference`, the
# table the loader itself reads, pasted between two marker lines:
#   <!-- BEGIN config-reference ... -->
#   <!-- END config-reference -->
# Usage: docs/config-reference.sh DOCPIPE README.md          rewrite it
#        docs/config-reference.sh --check DOCPIPE README.md  exit 1 and
#                                          show the diff when it differs
# `make readme-config` runs the first; the deploy checks (make check) the
# second, so a key added to worker/config.c without regenerating fails.
set -eu
check=0
if [ "${1:-}" = "--check" ]; then
        check=1
        shift
fi
[ $# -eq 2 ] || { echo "usage: $0 [--check] DOCPIPE README.md" >&2; exit 2; }
bin=$1 readme=$2
begin='<!-- BEGIN config-reference'
end='<!-- END config-reference -->'
grep -q "^$begin" "$readme" && grep -q "^$end" "$readme" ||
        { echo "$readme: no config-reference markers" >&2; exit 2; }
tmp=$(mktemp)
ref=$(mktemp)
trap 'rm -f "$tmp" "$ref"' EXIT
"$bin" config --reference >"$ref"
awk -v begin="$begin" -v end="$end" -v ref="$ref" '
        index($0, begin) == 1 { print; print ""; while ((getline l < ref) > 0) print l; print ""; skip = 1; next }
        index($0, end) == 1 { skip = 0 }
        !skip { print }
' "$readme" >"$tmp"
if [ "$check" -eq 1 ]; then
        if cmp -s "$tmp" "$readme"; then
                echo "$readme: configuration reference is up to date"
                exit 0
        fi
        echo "$readme: configuration reference differs from '$bin config --reference'" \
                "(run: make readme-config):"
        diff -u "$readme" "$tmp" | head -n 40
        exit 1
fi
cat "$tmp" >"$readme"
echo "$readme: configuration reference regenerated"

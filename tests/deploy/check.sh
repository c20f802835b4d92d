#!/bin/sh
# Offline checks of docpipe's configuration reference and deployment files;
# no Docker engine and no cluster are needed (none exist on the development
# machines). Part of `make check`; alone: `make deploy-check`.
#
#   1. README.md's configuration reference is `docpipe config --reference`
#      (docs/config-reference.sh --check).
#   2. `docpipe config check` passes on every shipped configuration, and a
#      broken one gets FILE:LINE: errors, librdkafka's verdict included.
#   3. docker-compose.yml: the compose schema (Debian's docker-compose 1.29
#      `config -q`, or `docker compose config -q` where that exists), and
#      check_deploy.py's structure: KRaft Kafka, the topics docpipe uses
#      with enough partitions, a scalable worker (no container_name, no
#      host port), grace period over the drain deadline, the ollama profile.
#   4. deploy/Dockerfile (check_deploy.py): multi-stage, slim, non-root, the
#      -dev package of every pkg-config module of the Makefile in the build
#      stage and the package of every library the binary loads in the final
#      one (dpkg -S), the price map where the config looks for it.
#   5. deploy/k8s: each overlay rendered by kustomize (kubectl kustomize:
#      Debian's kubernetes-client embeds kustomize 2.0.3, newer kubectl v5),
#      check_deploy.py's rules (probes, grace period, non-root, read-only
#      root, /tmp, envFrom, docpipe config check on the ConfigMap with its
#      environment, KEDA's trigger and replicas against the partitions),
#      and the Kubernetes and KEDA schemas (k8s_schema.js, kubernetes-models
#      from npm, installed once into BUILD/deploy-node with npm ci).
# A tool that is missing is a failure under CI=true and a skip otherwise.
# Prints "deploy: N passed, M failed".
# Usage: tests/deploy/check.sh [BUILD]
set -u
cd "$(dirname "$0")/../.."
B=${1:-build}
D="$B/docpipe"
PY=/usr/bin/python3 # Debian's, with python3-yaml
PARTITIONS=12       # of docpipe.jobs, as docker-compose.yml creates it
pass=0 fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

ok() { pass=$((pass + 1)); echo "ok   $*"; }
not_ok() { fail=$((fail + 1)); echo "FAIL $*"; }
missing() { # WHAT
        if [ -n "${CI:-}" ]; then not_ok "$1 missing (deploy/deps.sh installs it)"
        else echo "SKIP $1 missing (deploy/deps.sh installs it)"; fi
}
# tally FILE: add the ok/FAIL lines of a checker's output.
tally() {
        cat "$1"
        pass=$((pass + $(grep -c '^ok ' "$1")))
        fail=$((fail + $(grep -c '^FAIL ' "$1")))
}

[ -x "$D" ] || { echo "deploy: 0 passed, 1 failed ($D not built)"; exit 1; }

# 1. The README's reference.
if sh docs/config-reference.sh --check "$D" README.md >"$tmp/ref.out" 2>&1; then
        ok "README.md's configuration reference is 'docpipe config --reference'"
else
        not_ok "README.md's configuration reference (make readme-config):"
        sed 's/^/    /' "$tmp/ref.out"
fi

# 2. Shipped configurations pass; errors come as FILE:LINE.
for f in deploy/docpipe.yaml deploy/examples/*.yaml deploy/compose/*.yaml deploy/k8s/base/docpipe.yaml; do
        if env -u DOCPIPE_POSTGRES_DSN "$D" config check "$f" >/dev/null 2>"$tmp/cfg.err"; then
                ok "docpipe config check $f"
        else
                not_ok "docpipe config check $f: $(cat "$tmp/cfg.err")"
        fi
done
printf 'worker:\n  threads: 0\n  bogus: 1\n' >"$tmp/bad.yaml"
printf 'kafka:\n  bootstrap.servers: kafka:9092\n  no.such.property: 1\n' >"$tmp/badk.yaml"
"$D" config check "$tmp/bad.yaml" >"$tmp/bad.out" 2>"$tmp/bad.err"
rc=$?
"$D" config check "$tmp/badk.yaml" >>"$tmp/bad.out" 2>>"$tmp/bad.err"
rck=$?
if [ "$rc$rck" = 22 ] && [ ! -s "$tmp/bad.out" ] &&
   grep -qx "$tmp/bad.yaml:2: worker.threads: 0 is below the minimum 1" "$tmp/bad.err" &&
   grep -qx "$tmp/bad.yaml:3: unknown key 'worker.bogus'" "$tmp/bad.err" &&
   grep -q "^$tmp/badk.yaml:3: kafka.no.such.property: No such configuration property" "$tmp/bad.err"; then
        ok "docpipe config check: every error as FILE:LINE, librdkafka's too, exit 2"
else
        not_ok "docpipe config check of bad files: exit $rc and $rck, $(cat "$tmp/bad.err")"
fi

# 3. docker-compose.yml.
if command -v docker-compose >/dev/null 2>&1; then
        if docker-compose -f docker-compose.yml --profile ollama --profile tools config -q >"$tmp/dc.out" 2>&1; then
                ok "docker-compose.yml passes the compose schema (docker-compose $(docker-compose version --short 2>/dev/null))"
        else
                not_ok "docker-compose.yml: $(cat "$tmp/dc.out")"
        fi
elif docker compose version >/dev/null 2>&1; then
        if docker compose -f docker-compose.yml config -q >"$tmp/dc.out" 2>&1; then
                ok "docker-compose.yml passes the compose schema (docker compose)"
        else
                not_ok "docker-compose.yml: $(cat "$tmp/dc.out")"
        fi
else
        missing "docker-compose (Debian's, for the compose schema)"
fi
if "$PY" -c 'import yaml' 2>/dev/null; then
        "$PY" tests/deploy/check_deploy.py compose "$D" docker-compose.yml >"$tmp/compose.out" 2>&1
        tally "$tmp/compose.out"
        # 4. deploy/Dockerfile.
        "$PY" tests/deploy/check_deploy.py dockerfile "$D" deploy/Dockerfile Makefile >"$tmp/docker.out" 2>&1
        tally "$tmp/docker.out"
else
        missing "python3-yaml"
fi

# 5. deploy/k8s.
overlays=deploy/k8s/overlays/*/
if command -v kubectl >/dev/null 2>&1; then
        render() { kubectl kustomize "$1"; }
elif command -v kustomize >/dev/null 2>&1; then
        render() { kustomize build "$1"; }
else
        missing "kustomize (kubectl: Debian's kubernetes-client)"
        overlays=""
fi
# The schemas: kubernetes-models, once per lock file.
nm=""
if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then
        stamp=$(sha256sum tests/deploy/package-lock.json | cut -c1-16)
        if [ ! -f "$B/deploy-node/.stamp-$stamp" ]; then
                rm -rf "$B/deploy-node" && mkdir -p "$B/deploy-node"
                cp tests/deploy/package.json tests/deploy/package-lock.json "$B/deploy-node/"
                if (cd "$B/deploy-node" && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error) >"$tmp/npm.out" 2>&1; then
                        touch "$B/deploy-node/.stamp-$stamp"
                else
                        tail -n 5 "$tmp/npm.out"
                fi
        fi
        [ -f "$B/deploy-node/.stamp-$stamp" ] && nm="$(pwd)/$B/deploy-node/node_modules"
fi
[ -n "$nm" ] || missing "kubernetes-models (node and npm, the npm registry)"
for o in $overlays; do
        o=${o%/}; name=${o##*/}
        if ! render "$o" >"$tmp/$name.yaml" 2>"$tmp/$name.err"; then
                not_ok "$o does not render: $(grep -v '^# Warning' "$tmp/$name.err")"
                continue
        fi
        ok "$o renders ($(grep -c '^kind:' "$tmp/$name.yaml") objects)"
        "$PY" tests/deploy/check_deploy.py k8s "$D" "$PARTITIONS" "$name" "$tmp/$name.yaml" >"$tmp/$name.out" 2>&1
        tally "$tmp/$name.out"
        if [ -n "$nm" ]; then
                "$PY" -c 'import json, sys, yaml; json.dump([d for d in yaml.safe_load_all(open(sys.argv[1])) if d], sys.stdout)' \
                        "$tmp/$name.yaml" >"$tmp/$name.json"
                node tests/deploy/k8s_schema.js "$nm" "$name" "$tmp/$name.json" >"$tmp/$name.schema" 2>&1
                tally "$tmp/$name.schema"
        fi
done
echo "deploy: $pass passed, $fail failed"
[ "$fail" -eq 0 ]

#!/bin/sh
# Installs the Debian 12 packages docpipe needs to build, test and run the
# demo. Idempotent; waits for a busy apt instead of failing.
set -eu
PKGS="build-essential pkg-config git ca-certificates
      librdkafka-dev libpoppler-glib-dev libcairo2-dev libuv1-dev libyaml-dev
      libjansson-dev libpq-dev libcurl4-openssl-dev libssl-dev libexttextcat-dev
      libexttextcat-data libtesseract-dev libleptonica-dev tesseract-ocr-eng
      tesseract-ocr-osd libmicrohttpd-dev libseccomp-dev libmimalloc-dev check postgresql pgbouncer qpdf kcat valgrind
      clang libclang-rt-14-dev fonts-dejavu-core nghttp2-proxy
      python3-yaml docker-compose"
# The deployment checks (tests/deploy/check.sh) render deploy/k8s with
# `kubectl kustomize`: Debian's kubectl unless one is installed already
# (another kubectl package owns the same path).
command -v kubectl >/dev/null 2>&1 || PKGS="$PKGS kubernetes-client"
# They check the manifests against kubernetes-models from the npm registry:
# Debian's node and npm unless a node with npm is installed already.
command -v npm >/dev/null 2>&1 || PKGS="$PKGS nodejs npm"
missing=""
for p in $PKGS; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
                missing="$missing $p"
done
if [ -z "$missing" ]; then
        echo "deps: all packages present"
        exit 0
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
echo "deps: installing$missing"
$SUDO apt-get -o DPkg::Lock::Timeout=600 update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get -o DPkg::Lock::Timeout=600 \
        install -y -qq --no-install-recommends $missing

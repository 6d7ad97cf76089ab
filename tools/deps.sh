#!/bin/sh
# Installs the Debian packages Laurel needs, and only when one is missing:
# no apt call at all when everything is present.
#   tools/deps.sh run     what `make run` needs (build and serve)
#   tools/deps.sh test    also what `make test` and `make bench` need
set -eu

RUN_PKGS="kore gcc make libc6-dev libsodium-dev libjansson-dev libpq-dev
libssl-dev postgresql-15 postgresql-client-15 ca-certificates
liboath-dev libqrencode-dev libcurl4-openssl-dev libcmark-dev libqpdf-dev
libutf8proc-dev libglpk-dev zlib1g-dev libzip-dev"
TEST_PKGS="libcmocka-dev clang libclang-rt-14-dev chromium wrk curl
fonts-dejavu-core python3 python3-aiosmtpd nginx openssl procps systemd"

case "${1:-run}" in
run)	want="$RUN_PKGS" ;;
test)	want="$RUN_PKGS $TEST_PKGS" ;;
*)	echo "usage: tools/deps.sh run|test" >&2; exit 2 ;;
esac

command -v node >/dev/null 2>&1 || want="$want nodejs npm"

missing=""
for p in $want; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
	    grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done

[ -z "$missing" ] && exit 0

echo "Laurel needs these Debian packages:$missing"
if [ "$(id -u)" -ne 0 ]; then
	echo "Run as root:  apt-get update && apt-get install -y$missing" >&2
	exit 1
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing

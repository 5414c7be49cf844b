#!/usr/bin/env bash
# pgtest.sh: run the postgres module's tests against a throwaway PostgreSQL server, in
# one command.
#
#	scripts/pgtest.sh                       go test ./... in postgres/, every test required
#	scripts/pgtest.sh go test -race -run Conformance ./postgres/...
#	scripts/pgtest.sh bash                  a shell with the server's variables set
#
# It creates a cluster in a temporary directory (initdb as a non-root user: the user
# `postgres` when run as root, created if missing), starts it on a free loopback port
# with its socket in that directory, creates the database pricing_test, runs the
# command (given: in the current directory; by default: go test ./... in postgres/)
# with these variables set, and always stops the cluster and removes the directory on
# exit, returning the command's status:
#
#	PRICING_POSTGRES_URL       the pgx connection string of the database
#	PRICING_POSTGRES_CTL       a script that takes "stop-immediate" or "start": the fault
#	                           tests stop the server as a crash would and start it again
#	PRICING_POSTGRES_REQUIRED  1: a test that would skip for want of a server fails
#
# PostgreSQL's binaries are taken from /usr/lib/postgresql/<newest>/bin, else from PATH;
# when none is found and the script runs as root, it installs Debian's postgresql
# package. PGTEST_PORT sets the first port tried (default 55432).
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"

find_bindir() {
	local d
	d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
	if [ -n "$d" ] && [ -x "$d/initdb" ]; then
		echo "$d"
		return
	fi
	if command -v initdb >/dev/null 2>&1; then
		dirname "$(readlink -f "$(command -v initdb)")"
	fi
}

bindir=$(find_bindir)
if [ -z "$bindir" ]; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "pgtest: no PostgreSQL server binaries (initdb); install Debian's postgresql package" >&2
		exit 1
	fi
	echo "pgtest: installing PostgreSQL from Debian's packages" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq postgresql >/dev/null
	bindir=$(find_bindir)
	if [ -z "$bindir" ]; then
		echo "pgtest: initdb still missing after installing postgresql" >&2
		exit 1
	fi
fi

# The cluster's owner: the current user, or postgres when root (initdb refuses root).
run_as=()
if [ "$(id -u)" -eq 0 ]; then
	if ! id postgres >/dev/null 2>&1; then
		useradd --system --no-create-home --shell /bin/sh postgres
	fi
	run_as=(runuser -u postgres --)
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/pricing-pgtest.XXXXXX")
chmod 755 "$tmp"
if [ ${#run_as[@]} -gt 0 ]; then
	chown postgres "$tmp"
fi
data="$tmp/data"

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
port=${PGTEST_PORT:-55432}
while ! port_free "$port"; do
	port=$((port + 1))
	if [ "$port" -gt $((${PGTEST_PORT:-55432} + 200)) ]; then
		echo "pgtest: no free port" >&2
		exit 1
	fi
done

# ctl: the script the fault tests call to crash and restart the server.
cat >"$tmp/ctl" <<EOF
#!/usr/bin/env bash
set -euo pipefail
case "\${1:-}" in
stop-immediate) exec ${run_as[*]} "$bindir/pg_ctl" -D "$data" -m immediate -w stop ;;
start) exec ${run_as[*]} "$bindir/pg_ctl" -D "$data" -l "$tmp/server.log" -w -t 60 start ;;
stop) exec ${run_as[*]} "$bindir/pg_ctl" -D "$data" -m fast -w stop ;;
*) echo "usage: \$0 stop-immediate|start|stop" >&2; exit 2 ;;
esac
EOF
chmod 755 "$tmp/ctl"

cleanup() {
	"$tmp/ctl" stop >/dev/null 2>&1 || true
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

"${run_as[@]}" "$bindir/initdb" -D "$data" -U postgres -A trust -E UTF8 --locale=C >"$tmp/initdb.log" 2>&1 || {
	cat "$tmp/initdb.log" >&2
	exit 1
}
cat >>"$data/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$tmp'
max_connections = 200
shared_buffers = 256MB
EOF
"$tmp/ctl" start >/dev/null || {
	cat "$tmp/server.log" >&2
	exit 1
}
"$bindir/psql" -X -q -h 127.0.0.1 -p "$port" -U postgres -d postgres -c 'CREATE DATABASE pricing_test' >/dev/null

export PRICING_POSTGRES_URL="postgres://postgres@127.0.0.1:$port/pricing_test?sslmode=disable"
export PRICING_POSTGRES_CTL="$tmp/ctl"
export PRICING_POSTGRES_REQUIRED=1
echo "pgtest: PostgreSQL $("$bindir/postgres" --version | awk '{print $3}') on 127.0.0.1:$port, data in $data" >&2

status=0
if [ $# -eq 0 ]; then
	(cd "$repo/postgres" && go test ./...) || status=$?
else
	"$@" || status=$?
fi
exit $status

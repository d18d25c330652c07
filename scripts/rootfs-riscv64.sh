#!/usr/bin/env bash
# Builds a riscv64 root filesystem from Debian's riscv64 packages:
# redis-server, redis-tools, their dependencies, busybox-static and libc-bin
# (Essential on Debian: its C.utf8 locale is what LANG=C.UTF-8 needs).
#
# apt runs with a private state directory (its own sources, lists, cache
# and an empty dpkg status), so the machine's apt configuration is never
# changed. The mirror is the one the machine's own apt sources name: this
# repository names no package host. Re-runnable: packages already
# downloaded or extracted are skipped.
#
# Usage: scripts/rootfs-riscv64.sh [DEST]   (default testdata/rootfs/riscv64)
set -euo pipefail

cd "$(dirname "$0")/.."
DEST=${1:-testdata/rootfs/riscv64}
SUITE=${SUITE:-trixie}
PKGS=${PKGS:-"redis-server redis-tools busybox-static libc-bin"}
STATE=${STATE:-testdata/rootfs/.apt-riscv64}

# The first URI of the machine's Debian sources that serves the main archive
# (not the security one).
mirror() {
	local f
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		awk '/^URIs:/ { for (i = 2; i <= NF; i++) print $i }' "$f"
	done
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -f "$f" ] || continue
		awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) { print $i; break } }' "$f"
	done
}
URI=$(mirror | grep -v -- '-security' | head -n1 || true)
if [ -z "$URI" ]; then
	echo "rootfs-riscv64: no Debian mirror found in the machine's apt sources" >&2
	exit 1
fi

for tool in apt-get dpkg-deb; do
	command -v "$tool" >/dev/null || { echo "rootfs-riscv64: $tool is needed" >&2; exit 1; }
done

mkdir -p "$STATE"/etc/apt/sources.list.d "$STATE"/etc/apt/preferences.d "$STATE"/etc/apt/apt.conf.d \
	"$STATE"/lists/partial "$STATE"/cache/archives/partial "$STATE"/debs "$STATE"/done
STATE=$(cd "$STATE" && pwd)
KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg
if [ -f "$KEYRING" ]; then
	signed="signed-by=$KEYRING"
else
	signed="trusted=yes"
fi
echo "deb [arch=riscv64 $signed] $URI $SUITE main" >"$STATE/etc/apt/sources.list"
: >"$STATE/status"

APT_OPTS=(
	-o "Dir::Etc=$STATE/etc/apt"
	-o "Dir::Etc::sourcelist=$STATE/etc/apt/sources.list"
	-o "Dir::Etc::sourceparts=$STATE/etc/apt/sources.list.d"
	-o "Dir::Etc::preferencesparts=$STATE/etc/apt/preferences.d"
	-o "Dir::Etc::parts=$STATE/etc/apt/apt.conf.d"
	-o "Dir::State=$STATE"
	-o "Dir::State::lists=$STATE/lists"
	-o "Dir::State::status=$STATE/status"
	-o "Dir::Cache=$STATE/cache"
	-o "APT::Architecture=riscv64"
	-o "APT::Architectures::=riscv64"
	-o "APT::Install-Recommends=false"
	-o "Debug::NoLocking=true"
)

if [ -z "$(ls "$STATE"/lists/*Packages* 2>/dev/null)" ] || [ -n "${REFRESH:-}" ]; then
	echo "rootfs-riscv64: apt-get update ($SUITE, riscv64)"
	apt-get "${APT_OPTS[@]}" update -q >&2
fi

# Let apt resolve the dependency closure against an empty system, then
# download exactly those packages.
# shellcheck disable=SC2086
mapfile -t want < <(apt-get "${APT_OPTS[@]}" install --simulate -q $PKGS 2>/dev/null |
	awk '$1 == "Inst" { print $2 }' | sed 's/:riscv64$//')
if [ "${#want[@]}" -eq 0 ]; then
	echo "rootfs-riscv64: apt resolved no packages for: $PKGS" >&2
	exit 1
fi

cd "$STATE/debs"
need=()
for p in "${want[@]}"; do
	ls "${p}"_*.deb >/dev/null 2>&1 || need+=("$p")
done
if [ "${#need[@]}" -gt 0 ]; then
	echo "rootfs-riscv64: downloading ${#need[@]} packages"
	apt-get "${APT_OPTS[@]}" download -q "${need[@]}" >&2
fi
cd - >/dev/null

mkdir -p "$DEST"
DEST=$(cd "$DEST" && pwd)
# Merged /usr: /bin, /sbin and /lib* are links into /usr, as on Debian.
mkdir -p "$DEST/usr/bin" "$DEST/usr/sbin" "$DEST/usr/lib"
for d in bin sbin lib; do
	if [ ! -e "$DEST/$d" ] && [ ! -L "$DEST/$d" ]; then
		ln -s "usr/$d" "$DEST/$d"
	fi
done
for p in "${want[@]}"; do
	deb=$(ls "$STATE/debs/${p}"_*.deb | head -n1)
	mark="$STATE/done/$(basename "$deb").$(echo "$DEST" | md5sum | cut -c1-8)"
	[ -e "$mark" ] && continue
	dpkg-deb -x "$deb" "$DEST"
	: >"$mark"
done

# The things a program expects of a root: a redis config, /etc files, and
# the ld.so link riscv64 binaries name (PT_INTERP /lib/ld-linux-riscv64-lp64d.so.1).
mkdir -p "$DEST/etc" "$DEST/tmp" "$DEST/data" "$DEST/root"
[ -e "$DEST/etc/passwd" ] || printf 'root:x:0:0:root:/root:/bin/sh\nredis:x:100:100::/data:/bin/sh\n' >"$DEST/etc/passwd"
[ -e "$DEST/etc/group" ] || printf 'root:x:0:\nredis:x:100:\n' >"$DEST/etc/group"
[ -e "$DEST/etc/hosts" ] || printf '127.0.0.1 localhost\n::1 localhost\n' >"$DEST/etc/hosts"
[ -e "$DEST/redis.conf" ] || printf 'bind 127.0.0.1\nport 6379\nsave ""\ndir /data\ndaemonize no\nlogfile ""\n' >"$DEST/redis.conf"
if [ -x "$DEST/usr/bin/busybox" ] && [ ! -e "$DEST/usr/bin/sh" ]; then
	ln -s busybox "$DEST/usr/bin/sh"
fi
echo "rootfs-riscv64: $DEST ready (${#want[@]} packages)"

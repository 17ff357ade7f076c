#!/usr/bin/env bash
# Builds an OCI image layout (image-spec image-layout.md) for localhost/busybox:demo from Debian's
# static busybox, so examples and tests need no registry:
#
#   hack/busybox-image.sh OUTDIR && sublet image load OUTDIR
#
# One gzip layer: bin/busybox plus a symlink per applet, etc/passwd, etc/group, tmp (1777), root.
# Deterministic: fixed mtimes, sorted names, numeric root owner, gzip without name or time, so
# repeated builds from the same busybox give the same digests. Uses coreutils, tar and gzip only.
set -euo pipefail

out=${1:?usage: hack/busybox-image.sh OUTDIR}
busybox=/bin/busybox
if [ ! -x "$busybox" ]; then
    echo "busybox-image.sh: $busybox is missing; install it with: apt-get install busybox-static" >&2
    exit 1
fi
case "$(uname -m)" in
    x86_64) arch=amd64 ;;
    aarch64) arch=arm64 ;;
    *) arch=$(uname -m) ;;
esac
name=localhost/busybox:demo

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
rootfs=$work/rootfs
mkdir -p "$rootfs/bin" "$rootfs/etc" "$rootfs/tmp" "$rootfs/root"
cp "$busybox" "$rootfs/bin/busybox"
for applet in $("$busybox" --list); do
    [ "$applet" = busybox ] || ln -s busybox "$rootfs/bin/$applet"
done
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$rootfs/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$rootfs/etc/group"
chmod 0755 "$rootfs" "$rootfs/bin" "$rootfs/etc" "$rootfs/bin/busybox"
chmod 0644 "$rootfs/etc/passwd" "$rootfs/etc/group"
chmod 1777 "$rootfs/tmp"
chmod 0700 "$rootfs/root"

tar --sort=name --format=gnu --mtime=@0 --owner=0 --group=0 --numeric-owner \
    -C "$rootfs" -cf "$work/layer.tar" .
gzip -n -9 <"$work/layer.tar" >"$work/layer.tar.gz"

sha() { sha256sum "$1" | cut -d' ' -f1; }
size() { stat -c %s "$1"; }

blobs=$out/blobs/sha256
rm -rf "$out/blobs" "$out/index.json" "$out/oci-layout"
mkdir -p "$blobs"

# Stores $1 as a blob and prints "<hex> <size>".
put() {
    local hex
    hex=$(sha "$1")
    cp "$1" "$blobs/$hex"
    echo "$hex $(size "$1")"
}

diff_id=$(sha "$work/layer.tar")
read -r layer_hex layer_size < <(put "$work/layer.tar.gz")

printf '{"created":"1970-01-01T00:00:00Z","architecture":"%s","os":"linux","config":{"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],"Cmd":["sh"]},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}' \
    "$arch" "$diff_id" >"$work/config.json"
read -r config_hex config_size < <(put "$work/config.json")

printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"sha256:%s","size":%s}]}' \
    "$config_hex" "$config_size" "$layer_hex" "$layer_size" >"$work/manifest.json"
read -r manifest_hex manifest_size < <(put "$work/manifest.json")

printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"platform":{"architecture":"%s","os":"linux"},"annotations":{"org.opencontainers.image.ref.name":"%s"}}]}' \
    "$manifest_hex" "$manifest_size" "$arch" "$name" >"$out/index.json"
printf '{"imageLayoutVersion":"1.0.0"}' >"$out/oci-layout"
echo "$name sha256:$manifest_hex"

#!/usr/bin/env python3
"""Pushes every named image of an OCI image layout to a registry, under its upstream path.

    hack/push-layout.py LAYOUT_DIR http://127.0.0.1:PORT

Each entry of LAYOUT_DIR/index.json named by its org.opencontainers.image.ref.name annotation
(a full name such as registry.k8s.io/e2e-test-images/busybox:1.29-2) is pushed as the same
repository path and tag without the registry host (e2e-test-images/busybox:1.29-2), so that the
registry can stand as a mirror of registry.k8s.io and gcr.io (registries.mirrors). An entry
pinned by digest only (name@sha256:...) is pushed by that digest.

The OCI distribution spec's push API, over plain HTTP to a loopback registry with no auth:
blobs monolithically (HEAD to skip what is there, POST /v2/<name>/blobs/uploads/, PUT the
Location with ?digest=), child manifests of an index by digest, then PUT
/v2/<name>/manifests/<tag> with the manifest's media type; the Docker-Content-Digest the
registry answers must be the layout's digest. Standard library only (urllib), no network beyond
the URL given. Prints one line per image; exits non-zero naming the image and the step that failed.
"""
import json
import os
import sys
import urllib.error
import urllib.parse
import urllib.request


class PushError(Exception):
    pass


def request(method, url, data=None, headers=None, expect=(200,)):
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:
            body = resp.read()
            status, got = resp.status, resp.headers
    except urllib.error.HTTPError as e:
        body, status, got = e.read(), e.code, e.headers
    if status not in expect:
        raise PushError(f"{method} {url}: {status} {body[:300].decode('utf-8', 'replace').strip()}")
    return status, got


def split_name(ref):
    """registry.k8s.io/a/b:t -> ("a/b", "t"); name@sha256:... -> ("a/b", "sha256:...")."""
    name, _, digest = ref.partition("@")
    tag = None
    slash, colon = name.rfind("/"), name.rfind(":")
    if colon > slash:
        name, tag = name[:colon], name[colon + 1:]
    first, _, path = name.partition("/")
    if not path or not ("." in first or ":" in first or first == "localhost"):
        raise PushError(f"{ref}: not a full name with a registry host")
    return path, digest or tag or "latest"


class Pusher:
    def __init__(self, layout, base):
        self.layout = layout
        self.base = base.rstrip("/")
        self.pushed_blobs = set()  # (repository, digest)

    def blob_path(self, digest):
        algo, _, hexd = digest.partition(":")
        return os.path.join(self.layout, "blobs", algo, hexd)

    def read_blob(self, digest):
        with open(self.blob_path(digest), "rb") as f:
            return f.read()

    def push_blob(self, repo, digest):
        if (repo, digest) in self.pushed_blobs:
            return
        status, _ = request("HEAD", f"{self.base}/v2/{repo}/blobs/{digest}", expect=(200, 404))
        if status != 200:
            _, headers = request("POST", f"{self.base}/v2/{repo}/blobs/uploads/", data=b"", expect=(202,))
            location = urllib.parse.urljoin(self.base + "/", headers["Location"])
            location += ("&" if urllib.parse.urlparse(location).query else "?") + "digest=" + urllib.parse.quote(digest)
            request("PUT", location, data=self.read_blob(digest),
                    headers={"Content-Type": "application/octet-stream"}, expect=(201,))
        self.pushed_blobs.add((repo, digest))

    def push_manifest(self, repo, reference, descriptor):
        digest = descriptor["digest"]
        body = self.read_blob(digest)
        manifest = json.loads(body)
        media_type = manifest.get("mediaType") or descriptor.get("mediaType")
        if not media_type:
            raise PushError(f"manifest {digest}: no media type")
        if "manifests" in manifest:  # an index: its manifests first, by digest
            for child in manifest["manifests"]:
                self.push_manifest(repo, child["digest"], child)
        else:
            for blob in [manifest["config"], *manifest.get("layers", [])]:
                self.push_blob(repo, blob["digest"])
        _, headers = request("PUT", f"{self.base}/v2/{repo}/manifests/{reference}", data=body,
                             headers={"Content-Type": media_type}, expect=(201,))
        answered = headers.get("Docker-Content-Digest")
        if answered and answered != digest:
            raise PushError(f"manifest {digest}: the registry stored it as {answered}")
        return digest


def main():
    if len(sys.argv) != 3:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    layout, base = sys.argv[1], sys.argv[2]
    with open(os.path.join(layout, "index.json")) as f:
        index = json.load(f)
    pusher = Pusher(layout, base)
    pushed = 0
    for descriptor in index.get("manifests", []):
        ref = (descriptor.get("annotations") or {}).get("org.opencontainers.image.ref.name")
        if not ref:
            continue
        try:
            repo, reference = split_name(ref)
            digest = pusher.push_manifest(repo, reference, descriptor)
        except (PushError, OSError, KeyError, ValueError) as e:
            print(f"push-layout.py: {ref}: {e}", file=sys.stderr)
            return 1
        host = urllib.parse.urlparse(base).netloc
        print(f"{ref} -> {host}/{repo}{'@' if reference.startswith('sha256:') else ':'}{reference} ({digest})")
        pushed += 1
    if pushed == 0:
        print(f"push-layout.py: {layout}/index.json names no image", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

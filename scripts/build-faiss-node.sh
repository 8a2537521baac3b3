#!/usr/bin/env bash
# Builds faiss-node's native addon from its npm source against the system libfaiss (Debian's libfaiss-dev), because
# the published install script downloads a prebuilt binary and clones faiss from GitHub. Offline: node-gyp comes
# from npm's own bundle (npx as a last resort) and the Node headers from the running Node's prefix.
# Idempotent: a no-op when the addon exists and loads. Run after `npm ci --ignore-scripts`.
set -euo pipefail
cd "$(dirname "$0")/.."
pkg=node_modules/faiss-node
support=scripts/faiss-node

# The check that decides "already built": load the addon, then in a worker thread build an inner-product index
# with the factory (as src/retriever/faiss-index.ts does) and write it; after the worker has exited, read the
# file and search it on the main thread (what an index build followed by a swap does) with 21 queries, which
# faiss answers through BLAS. An addon without the methods added below is rebuilt.
check='const f = require("faiss-node"); const os = require("os"), path = require("path"), fs = require("fs");
for (const m of ["setParameter", "addFloat32", "trainFloat32"]) if (typeof f.Index.prototype[m] !== "function") throw new Error("faiss-node lacks " + m);
const { Worker } = require("worker_threads");
const file = path.join(os.tmpdir(), "faiss-node-check-" + process.pid + ".faiss");
const w = new Worker("const f = require(\"faiss-node\"); const i = f.Index.fromFactory(2, \"Flat\", " +
  "f.MetricType.METRIC_INNER_PRODUCT); i.add([1, 0, 0, 1]); i.write(require(\"worker_threads\").workerData);",
  { eval: true, workerData: file });
w.on("exit", (code) => {
  if (code !== 0) throw new Error("faiss-node worker exited with " + code);
  const r = f.Index.read(file).search(Array(21).fill([0, 1]).flat(), 1); fs.unlinkSync(file);
  if (r.labels.some((l) => l !== 1)) throw new Error("faiss-node search returned " + r.labels);
});'

[ -d "$pkg/src" ] || { echo "build-faiss-node: $pkg is missing; run npm ci --ignore-scripts first" >&2; exit 1; }
if node -e "$check" 2>/dev/null; then
  exit 0
fi
[ -f /usr/include/faiss/Index.h ] || [ -f /usr/local/include/faiss/Index.h ] || {
  echo "build-faiss-node: faiss headers not found; run scripts/install-system-deps.sh (libfaiss-dev)" >&2; exit 1; }

cp "$support/binding.gyp" "$support/faiss-compat.h" "$pkg/"

# faiss-node keeps each class's JS constructor in one process-wide static, which the last thread to load the addon
# overwrites: after an index build in a worker thread ends, Index.read() on the main thread uses the dead worker's
# constructor and crashes (SIGSEGV). One static per thread (thread_local) makes the addon safe in worker threads.
pattern='inline static Napi::FunctionReference \*constructor;'
[ "$(grep -c "$pattern" "$pkg/src/faiss.cc")" = 1 ] || {
  echo "build-faiss-node: $pkg/src/faiss.cc no longer matches the thread_local patch; check its constructor static" >&2; exit 1; }
sed "s/$pattern/inline static thread_local Napi::FunctionReference *constructor;/" "$pkg/src/faiss.cc" > "$pkg/src/faiss-thread-local.cc"

# faiss-node cannot set search-time parameters (nprobe, efSearch), and its add and train copy a JS Array: Index gets
# setParameter(name, value), addFloat32(Float32Array) and trainFloat32(Float32Array) (index-methods.inc, inserted
# before the base class's protected members and registered beside toBuffer).
file="$pkg/src/faiss-thread-local.cc"
register='      InstanceMethod("toBuffer", &Index::toBuffer),'
for anchor in 'protected:' "$register" '#include <faiss/index_factory.h>'; do
  [ "$(grep -cxF "$anchor" "$file")" = 1 ] || {
    echo "build-faiss-node: $pkg/src/faiss.cc no longer has one line '$anchor' for the index-methods patch" >&2; exit 1; }
done
sed -i -e "/^protected:$/e cat $support/index-methods.inc" \
  -e 's/^      InstanceMethod("toBuffer", &Index::toBuffer),$/&\n      InstanceMethod("setParameter", \&Index::setParameter),\n      InstanceMethod("addFloat32", \&Index::addFloat32),\n      InstanceMethod("trainFloat32", \&Index::trainFloat32),/' \
  -e 's/^#include <faiss\/index_factory.h>$/&\n#include <faiss\/AutoTune.h>/' "$file"

# node-gyp: npm's bundled copy sits next to npm-cli.js; otherwise npx (which may need the registry).
npm_root=$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")
gyp=(node "$npm_root/node_modules/node-gyp/bin/node-gyp.js")
[ -f "${gyp[1]}" ] || gyp=(npx --yes node-gyp)

# Node's own headers avoid node-gyp's download of a header tarball.
node_prefix=$(node -p 'require("path").resolve(process.execPath, "..", "..")')
nodedir=()
[ -f "$node_prefix/include/node/node_api.h" ] && nodedir=(--nodedir="$node_prefix")

echo "build-faiss-node: building $pkg with ${gyp[*]} ${nodedir[*]:-}"
(cd "$pkg" && "${gyp[@]}" rebuild "${nodedir[@]}" --loglevel=warn)
node -e "$check"
echo "build-faiss-node: $pkg/build/Release/faiss-node.node built and loads"

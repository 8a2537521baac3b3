# node-gyp build of faiss-node's src/faiss.cc against a system libfaiss (Debian's libfaiss-dev 1.7.3).
# Copied into node_modules/faiss-node by scripts/build-faiss-node.sh; the published package builds with cmake-js
# from a faiss git checkout, which needs network access. The source compiled is the script's thread-safe copy
# of src/faiss.cc (see the script). Debian's libfaiss is a static library: BLAS and LAPACK are linked here
# (libblas.so.3 resolves to OpenBLAS through Debian's alternatives), else a batch search or a training run fails
# with "undefined symbol: sgemm_".
{
  "targets": [
    {
      "target_name": "faiss-node",
      "sources": ["src/faiss-thread-local.cc"],
      "include_dirs": ["<!@(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-std=gnu++17", "-std=gnu++14"],
      "cflags_cc": ["-std=c++17", "-fexceptions", "-fopenmp", "-include", "<(module_root_dir)/faiss-compat.h", "-Wno-unused-but-set-variable"],
      "libraries": ["-lfaiss", "-lblas", "-llapack", "-fopenmp"]
    }
  ]
}

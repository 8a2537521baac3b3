# CPU image of the RAG service. Not built on the development machines (no Docker engine there): see README.
# Stage 1 builds faiss-node against Debian's libfaiss-dev (static) and compiles the TypeScript.
FROM node:20-bookworm-slim AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends libfaiss-dev libopenblas-dev python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
# onnxruntime-node ships CPU binaries; `--build-arg ONNXRUNTIME_NODE_INSTALL=cuda12` fetches its CUDA provider.
ARG ONNXRUNTIME_NODE_INSTALL=skip
RUN if [ "$ONNXRUNTIME_NODE_INSTALL" != "skip" ]; then \
      cd node_modules/onnxruntime-node && ONNXRUNTIME_NODE_INSTALL="$ONNXRUNTIME_NODE_INSTALL" node script/install; \
    fi
COPY scripts ./scripts
RUN bash scripts/build-faiss-node.sh
COPY tsconfig.json ./
COPY src ./src
COPY routes ./routes
RUN npx tsc -p tsconfig.json --noEmit false --outDir dist \
 && npm prune --omit=dev --ignore-scripts

# Stage 2: the runtime, as a non-root user. libfaiss is linked statically; BLAS and OpenMP are shared.
FROM node:20-bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends libopenblas0-pthread libgomp1 tini \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY onnx/demo ./onnx/demo
COPY index-data/demo ./index-data/demo
# The playground page, where the compiled routes/playground.js looks for it (../web from dist/routes).
COPY web ./dist/web
ENV NODE_ENV=production HOST=0.0.0.0 PORT=8080 RAG_MODEL_DIR=/app/onnx/demo RAG_INDEX_DIR=/data/index
RUN mkdir -p /data/index && chown -R node:node /data
USER node
VOLUME ["/data/index"]
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=120s CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1)).catch(()=>process.exit(1))"
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "dist/src/server.js"]

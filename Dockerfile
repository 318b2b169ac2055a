# chat2crm's image: built in one stage, run in another without the compiler and dev packages,
# as the unprivileged user `node`, its SQLite data on the /data volume. docs/deploy.md has the
# compose file, the systemd unit and the reverse proxies; scripts/verify-image.sh builds and runs it.
#
#   docker build -t chat2crm .
#   docker run -d -p 3000:3000 -v chat2crm-data:/data -e PUBLIC_URL=https://chat2crm.example.com chat2crm
#
# better-sqlite3 ships its addon prebuilt in its npm package (prebuilds/, loaded when nothing was
# compiled), so `npm ci --ignore-scripts` needs no Python or C compiler (npm would otherwise run
# node-gyp on its binding.gyp) and the slim image serves both stages. The other install scripts in
# the lockfile (core-js's notice, esbuild's binary check for tsx) do nothing the service needs.
ARG NODE_IMAGE=node:24-bookworm-slim

FROM ${NODE_IMAGE} AS build
ENV npm_config_update_notifier=false
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
# Behind a TLS-inspecting proxy, give its CA as a build secret (never a layer of the image):
#   docker build --secret id=extra_ca,src=/path/to/proxy-ca.crt .
RUN --mount=type=secret,id=extra_ca \
    if [ -f /run/secrets/extra_ca ]; then export NODE_EXTRA_CA_CERTS=/run/secrets/extra_ca; fi; \
    npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY connectors ./connectors
RUN npm run build \
 && rm -f dist/.tsbuildinfo \
 && npm prune --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error

FROM ${NODE_IMAGE}
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    DATABASE_URL=sqlite:/data/chat2crm.db
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY bin ./bin
# The volume's mount point, owned by the user that writes it (a new named volume takes this owner).
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME /data
EXPOSE 3000
# No curl in the slim image: Node's fetch asks. 200 while storage answers (docs/deploy.md).
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# The launcher sets the memory settings and execs Node, which becomes PID 1 and handles SIGTERM
# itself (up to 10 s for deliveries in flight: give `docker stop` -t 15 or more).
CMD ["/app/bin/chat2crm"]

import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import type { GraphiQLOptions } from 'graphql-yoga';
import type { Logger } from 'pino';

/** Where GraphiQL's files are served, under a version of their content: a URL never changes its bytes. */
const assetsPath = '/graphiql-assets/';
const oneYearSeconds = 31_536_000;

interface Asset {
  type: string;
  body: Buffer;
  gzipped: Buffer;
  etag: string;
}

interface Assets {
  /** The content version in every asset URL. */
  version: string;
  files: Map<string, Asset>;
}

/** Names of the files and the worker labels Monaco asks for. */
const workerFiles = { editorWorkerService: 'editor.worker.js', json: 'json.worker.js', graphql: 'graphql.worker.js' };

async function loadAssets(): Promise<Assets> {
  // GraphiQL ships as one module of strings (9 MB); loaded on the first visit, so it costs no start-up time.
  const bundle = await import('@graphql-yoga/render-graphiql/graphiql');
  const sources: [string, string, string | Buffer][] = [
    ['graphiql.js', 'text/javascript; charset=utf-8', bundle.js],
    ['graphiql.css', 'text/css; charset=utf-8', bundle.css],
    [workerFiles.editorWorkerService, 'text/javascript; charset=utf-8', bundle.editorWorkerService],
    [workerFiles.json, 'text/javascript; charset=utf-8', bundle.jsonWorker],
    [workerFiles.graphql, 'text/javascript; charset=utf-8', bundle.graphqlWorker],
    ['favicon.ico', 'image/x-icon', Buffer.from(bundle.favicon.replace(/^data:[^,]*,/, ''), 'base64')],
  ];
  const files = new Map<string, Asset>();
  const versions = createHash('sha256');
  for (const [name, type, source] of sources) {
    const body = Buffer.isBuffer(source) ? source : Buffer.from(source, 'utf8');
    const digest = createHash('sha256').update(body).digest('hex');
    versions.update(digest);
    files.set(name, { type, body, gzipped: await promisify(gzip)(body), etag: `"${digest.slice(0, 32)}"` });
  }
  return { version: versions.digest('hex').slice(0, 16), files };
}

/** Script text safe inside a <script> element. */
const scriptSafe = (value: unknown) => JSON.stringify(value).replace(/</g, '\\u003c');

/**
 * GraphiQL as a small page and separate, immutable, compressed, cacheable files, instead of Yoga's page with
 * the 9 MB editor inlined: a second visit costs a few KB. Same editor, same options, same workers.
 */
export function createGraphiQL(logger: Logger) {
  let assets: Promise<Assets> | undefined;
  const load = () => {
    assets ??= loadAssets();
    return assets;
  };
  return {
    /** Yoga's `renderGraphiQL`. */
    async render(options?: GraphiQLOptions): Promise<string> {
      const base = `${assetsPath}${(await load()).version}`;
      const workers = Object.fromEntries(
        Object.entries(workerFiles).map(([label, file]) => [label, `${base}/${file}`]),
      );
      return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <title>${String(options?.title ?? 'GraphiQL').replace(/[<>&"]/g, '')}</title>
    <link rel="icon" href="${base}/favicon.ico" />
    <link rel="stylesheet" href="${base}/graphiql.css" />
  </head>
  <body id="body" class="no-focus-outline">
    <noscript>You need to enable JavaScript to run this app.</noscript>
    <div id="root"></div>
    <script>
      const workers = ${scriptSafe(workers)};
      self.MonacoEnvironment = { globalAPI: false, getWorkerUrl: (moduleId, label) => workers[label] };
    </script>
    <script src="${base}/graphiql.js"></script>
    <script>
      YogaGraphiQL.renderYogaGraphiQL(document.querySelector('#root'), ${scriptSafe(options ?? {})});
    </script>
  </body>
</html>`;
    },

    /** Serves an asset request (true), or leaves the request to others (false). */
    serve(request: IncomingMessage, response: ServerResponse): boolean {
      const path = (request.url ?? '').split('?')[0] ?? '';
      if (!path.startsWith(assetsPath) || (request.method !== 'GET' && request.method !== 'HEAD')) return false;
      const [version, name] = path.slice(assetsPath.length).split('/');
      void load().then(
        (loaded) => {
          const asset = version === loaded.version && name ? loaded.files.get(name) : undefined;
          if (!asset) {
            response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found');
            return;
          }
          const headers = {
            'content-type': asset.type,
            'cache-control': `public, max-age=${oneYearSeconds}, immutable`,
            etag: asset.etag,
            vary: 'Accept-Encoding',
          };
          if (request.headers['if-none-match'] === asset.etag) {
            response.writeHead(304, headers).end();
            return;
          }
          const gzipped = /\bgzip\b/.test(String(request.headers['accept-encoding'] ?? ''));
          const body = gzipped ? asset.gzipped : asset.body;
          response.writeHead(200, {
            ...headers,
            ...(gzipped ? { 'content-encoding': 'gzip' } : {}),
            'content-length': body.length,
          });
          response.end(request.method === 'HEAD' ? undefined : body);
        },
        (error: unknown) => {
          logger.error({ err: error }, 'GraphiQL could not be loaded');
          if (!response.headersSent) response.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
          response.end('GraphiQL could not be loaded');
        },
      );
      return true;
    },
  };
}

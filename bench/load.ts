/**
 * createVideo load from its own process: `total` mutations with `concurrency` in flight over keep-alive
 * HTTP, each with `Authorization: Bearer <token>` when tokens are given (a comma list: request i uses token
 * i mod n). Prints `{ ok, failed, seconds, latenciesMs }` as one JSON line.
 */
import { Pool } from 'undici';

const [url = '', total = '1000', concurrency = '64', tokenList = ''] = process.argv.slice(2);
const tokens = tokenList.split(',').filter((token) => token !== '');
const target = new URL(url);
const pool = new Pool(target.origin, { connections: Number(concurrency), pipelining: 1 });
const body = (index: number) =>
  JSON.stringify({
    query:
      'mutation ($input: CreateVideoInput!) { createVideo(input: $input) { __typename ... on CreateVideoSuccess { job { id } } } }',
    variables: { input: { image: 'https://example.com/cat.png', prompt: `load job ${index}` } },
  });

let next = 0;
let ok = 0;
let failed = 0;
const latenciesMs: number[] = [];
const startedAt = performance.now();
async function worker() {
  while (next < Number(total)) {
    const index = next++;
    const sentAt = performance.now();
    const response = await pool.request({
      path: target.pathname,
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(tokens.length > 0 ? { authorization: `Bearer ${tokens[index % tokens.length]}` } : {}),
      },
      body: body(index),
    });
    const text = await response.body.text();
    latenciesMs.push(performance.now() - sentAt);
    if (response.statusCode === 200 && text.includes('CreateVideoSuccess')) ok++;
    else failed++;
  }
}
await Promise.all(Array.from({ length: Number(concurrency) }, worker));
const seconds = (performance.now() - startedAt) / 1000;
await pool.close();
process.stdout.write(`${JSON.stringify({ ok, failed, seconds, latenciesMs })}\n`);

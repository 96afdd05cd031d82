/** (e) Restart: the gateway started on a database full of active jobs, until it watches them all, per build. */
import SQLite from 'better-sqlite3';
import { killHard } from '../harness/process.js';
import { type Build, fakeSegmind, folder, gateway, log, sizes, verdict } from './context.js';

export type RestartFigures = Awaited<ReturnType<typeof restart>>;

/** One build restarted on a database holding `sizes.restartJobs` jobs in PROCESSING. */
export async function restart(build: Build) {
  log(`(e) restart with ${sizes.restartJobs} active jobs in the database: ${build.label}`);
  const upstream = await fakeSegmind();
  const databasePath = `${folder.path}/restart-${build.label}.sqlite`;
  await killHard(await gateway(databasePath, upstream, {}, build)); // creates and migrates the file
  const database = new SQLite(databasePath);
  const now = Date.now();
  const insertJob = database.prepare(
    `insert into jobs (status, version, prompt, image, duration, resolution, multi_shots, negative_prompt,
       enable_prompt_expansion, input_fingerprint, upstream_request_id, created_at, updated_at, submitted_at)
     values ('PROCESSING', 3, ?, 'https://example.com/cat.png', 5, '720p', 0, '', 1, ?, ?, ?, ?, ?)`,
  );
  const insertPayload = database.prepare(
    "insert into job_payloads (job_id, image) values (?, 'https://example.com/cat.png')",
  );
  database.transaction(() => {
    for (let index = 0; index < sizes.restartJobs; index++) {
      const { lastInsertRowid } = insertJob.run(
        `restart ${index}`,
        `fingerprint ${index}`,
        `request-${index}`,
        now,
        now,
        now,
      );
      insertPayload.run(lastInsertRowid);
    }
  })();
  database.close();
  const spawnedAt = Date.now();
  const server = await gateway(databasePath, upstream, { LOG_LEVEL: 'info', SEGMIND_RPM: '50' }, build);
  const readyMs = Date.now() - spawnedAt;
  const started = /"watched":(\d+),"loadMs":(\d+)/.exec(server.output());
  await killHard(server);
  await upstream.close();
  return { jobs: sizes.restartJobs, watched: Number(started?.[1]), loadMs: Number(started?.[2]), readyMs };
}

export function restartSection(builds: { build: Build; figures: RestartFigures }[]) {
  const rows = builds.map(
    ({ build, figures: e }) => `| ${build.label} | ${e.watched} | ${e.loadMs} ms | ${e.readyMs} ms |`,
  );
  const verdicts = builds.map(
    ({ build, figures: e }) => `${build.label}: ${verdict(e.watched === e.jobs && e.readyMs <= 2000)}`,
  );
  return `## (e) Restart with ${sizes.restartJobs} active jobs in the database

| build | jobs watched again | loading them | process start to ready line |
| --- | --- | --- | --- |
${rows.join('\n')}

Target: ≤ 2 s until all are watched. ${verdicts.join('; ')}.
`;
}

/**
 * The benchmark: the real gateway as a child process, a fake Segmind on loopback with the seed's timing
 * (compressed), and real clients in other processes. `npm run bench` for the full run, `-- --quick` for a
 * seconds-long smoke run. Writes its figures to BENCHMARKS.md (the quick run to BENCHMARKS.quick.md).
 * The full run measures today's baseline build beside the new one in the polling, fan-out and restart
 * scenarios (`--baseline=<git ref>` picks the baseline, `--baseline=none` skips it).
 */
import { writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { buildDist } from '../harness/build.js';
import { baselineBuild, defaultBaselineRef } from './baseline.js';
import {
  type Build,
  compression,
  cpuSeconds,
  current,
  fakeSegmind,
  folder,
  gateway,
  log,
  quick,
  root,
  rssBytes,
} from './context.js';
import { fanOut, fanOutSection } from './fan-out.js';
import { type MediaBench, rangeReaders, readersSection, uploads, uploadsSection } from './media.js';
import { efficiency, efficiencySection, type PollingFigures, sdkPattern } from './polling.js';
import { oversizedBodies, oversizedBodiesSection, throughput, throughputSection } from './requests.js';
import { restart, restartSection } from './restart.js';
import { round } from './stats.js';
import { type TightBudgetFigures, tightBudget, tightBudgetSection } from './tight-budget.js';

const media: MediaBench = {
  quick,
  folder: folder.path,
  log,
  gateway,
  fakeSegmind: () => fakeSegmind(),
  rssBytes,
  cpuSeconds,
};

/** Runs `scenario` once per build, in order. */
async function perBuild<T>(builds: readonly Build[], scenario: (build: Build) => Promise<T>) {
  const results: { build: Build; figures: T }[] = [];
  for (const build of builds) results.push({ build, figures: await scenario(build) });
  return results;
}

function buildsToCompare(): Build[] {
  const option = process.argv.find((argument) => argument.startsWith('--baseline='))?.slice('--baseline='.length);
  const ref = option ?? (quick ? 'none' : defaultBaselineRef);
  return ref === 'none' ? [current] : [baselineBuild(root, ref), current];
}

/** The scenarios whose figures stand side by side per build; the others measure the new build only. */
const comparedIn = new Set(['a', 'b', 'c', 'e']);

const scenarios: Record<string, (build: Build) => Promise<unknown>> = {
  a: (build: Build) => efficiency(build),
  /** The SDK's own pattern on (a)'s jobs, which (a)'s "fewer calls" compares with. */
  sdk: () => sdkPattern(),
  b: (build: Build) => tightBudget(build),
  c: (build: Build) => fanOut(build),
  d: () => throughput(),
  e: (build: Build) => restart(build),
  f: () => oversizedBodies(),
  g: () => uploads(media),
  h: () => rangeReaders(media),
};

async function main() {
  const startedAt = Date.now();
  buildDist();
  const builds = buildsToCompare();
  // `--only=c` (or `--only=a,b`) runs just those scenarios and prints their figures, for profiling.
  const only = process.argv.find((argument) => argument.startsWith('--only='))?.slice('--only='.length);
  if (only) {
    const results: Record<string, { build: Build; figures: unknown }[]> = {};
    for (const name of only.split(',')) {
      const scenario = scenarios[name];
      if (!scenario) throw new Error(`no scenario ${name}: ${Object.keys(scenarios).join(', ')}`);
      const figures = await perBuild(comparedIn.has(name) ? builds : [current], scenario);
      results[name] = figures;
      for (const { build, figures: result } of figures) {
        process.stdout.write(`${name} ${build.label}: ${JSON.stringify(result)}\n`);
      }
    }
    // The polling sections as BENCHMARKS.md would show them (`--only=a,sdk` for (a)).
    const [sdk] = results.sdk ?? [];
    if (results.a && sdk) {
      const runs = results.a as { build: Build; figures: Record<string, PollingFigures> }[];
      const section = efficiencySection(
        runs.map(({ build, figures }) => ({ build, runs: figures })),
        sdk.figures as PollingFigures,
      );
      process.stdout.write(`\n${section}`);
    }
    if (results.b)
      process.stdout.write(`\n${tightBudgetSection(results.b as { build: Build; figures: TightBudgetFigures }[])}`);
    folder.remove();
    return;
  }
  const a = await perBuild(builds, efficiency); // also teaches each build's duration model that (b) uses
  const sdk = await sdkPattern();
  const b = await perBuild(builds, tightBudget);
  const c = await perBuild(builds, fanOut);
  const d = await throughput();
  const e = await perBuild(builds, restart);
  const f = await oversizedBodies();
  const g = await uploads(media);
  const h = await rangeReaders(media);
  folder.remove();

  const report = `# Benchmarks

Written by \`npm run bench${quick ? ' -- --quick' : ''}\` on ${new Date().toISOString()}, in ${round((Date.now() - startedAt) / 1000, 0)} s.
Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, ${round(totalmem() / 2 ** 30, 0)} GiB, Node ${process.version}.
${quick ? "\n**Quick run**: small sizes and strong compression, to keep the benchmark working in CI; its figures are not the targets' measurements.\n" : ''}
Setup: the gateway runs as a child process, as \`npm start\` runs it (\`node dist/main.js\`), against a fake Segmind on
loopback whose jobs follow the seed page (QUEUED 2–6 s, PROCESSING ~125 s for 5 s of 720p, ×1.6 for 10 s,
×1.5 for 1080p, 4 % jitter), compressed ${compression}× in time; the gateway's intervals and rate window are
compressed alike, and every time below is converted back to Segmind's time. Subscribers are graphql-ws
clients in another process. Detection delay: from the moment the fake finishes a job to the moment a
subscriber receives COMPLETED.
${builds.length > 1 ? `\nBuilds: ${builds.map((build) => `\`${build.label}\``).join(' and ')} (the first is the code before the performance work, built from git by bench/baseline.ts), measured one after the other in this run on the same jobs.\n` : ''}
${efficiencySection(
  a.map(({ build, figures }) => ({ build, runs: figures })),
  sdk,
)}
${tightBudgetSection(b)}
${fanOutSection(c)}
${throughputSection(d)}
${oversizedBodiesSection(f)}
${restartSection(e)}
${uploadsSection(g)}
${readersSection(h)}`;
  const file = `${root}${quick ? 'BENCHMARKS.quick.md' : 'BENCHMARKS.md'}`;
  writeFileSync(file, report);
  process.stdout.write(report);
  log(`wrote ${file}`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);

import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

// One project per suite, so each gets the pool and workers it needs and `npm run test:unit`
// runs alone. Projects run group by group (sequence.groupOrder): unit first for the quick
// answer, then itg, then e2e, then the WAN lab alone, as its network namespaces, toxiproxy
// and a cluster must not share two cores with other heavy end-to-end runs. Before the split
// vitest ran every file in one worker here (its default is cores - 1), lab included.
const cores = availableParallelism();
/** Pure CPU work: one worker per core. */
const cpuWorkers = cores;
/** Files that start real servers (kubo, Cluster, Helia) and mostly wait on them: two at a time
 * even on two cores, more on bigger machines, always leaving a core for the servers. */
const serverWorkers = Math.max(2, cores - 1);

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Reporters are the root's: one JSON report for every project (.ci/run reads it for its
    // closing 'N passed, N failed' line).
    reporters: ['default', 'json'],
    outputFile: { json: '.tmp/vitest-results.json' },
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          // forks, not threads: unixfs-walk drops privileges with process.seteuid().
          pool: 'forks',
          maxWorkers: cpuWorkers,
          // Pure functions with no global state left behind (the fake clocks are restored in
          // afterEach): a worker runs file after file on one module graph instead of
          // starting over for each, which was a third of this project's time.
          isolate: false,
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: {
          name: 'itg',
          include: ['test/itg/**/*.test.ts'],
          pool: 'forks',
          maxWorkers: serverWorkers,
          sequence: { groupOrder: 1 },
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          exclude: ['test/e2e/wan.test.ts'],
          pool: 'forks',
          maxWorkers: serverWorkers,
          sequence: { groupOrder: 2 },
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e-lab',
          include: ['test/e2e/wan.test.ts'],
          pool: 'forks',
          maxWorkers: 1,
          sequence: { groupOrder: 3 },
        },
      },
    ],
  },
});

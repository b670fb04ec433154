import { runCleanups } from './harness';
import { runApiSuite } from './api-bench';
import { runControllersSuite } from './controllers-bench';
import { runSchedulerSuite } from './sched-bench';
import { runPodStartupSuite } from './pod-startup-bench';
import { runNetworkSuite } from './network-bench';

/** `npm run bench -- <suite> [options]`: each suite starts what it measures and stops it again. */
const SUITES: Record<string, { description: string; run(args: readonly string[]): Promise<void> }> = {
  api: {
    description: 'apiserver vs. raw etcd: CRUD throughput/latency, 10,000-pod lists, 1,000 watches (--quick: small sizes)',
    run: runApiSuite,
  },
  scheduler: {
    description: 'hollow nodes: 1,000/5,000 pods onto 100/1,000 nodes (plain, anti-affinity): pods created first, then scheduled: pods/s and CPU per pod, vs. raw binding',
    run: runSchedulerSuite,
  },
  controllers: {
    description: 'a 1,000-replica Deployment on 100 hollow nodes: time to available, time to roll over, pods created/deleted per second',
    run: runControllersSuite,
  },
  network: {
    description: 'the proxy in netns: req/s and p99 through a ClusterIP vs. straight at the pod IP; endpoint change → rules with 1,000 Services',
    run: runNetworkSuite,
  },
  'pod-startup': {
    description: 'a real kubelet on Docker: create → Running/Ready for 1, 10, 30 pods vs. the same containers via dockerode (--pods=1,10,30, --pod-cidr=CIDR, --max-parallel-container-starts=N, --trace-docker, --timeline=FILE)',
    run: runPodStartupSuite,
  },
};

function usage(stream: NodeJS.WriteStream): void {
  stream.write('Usage: npm run bench -- <suite> [options]\n\nSuites:\n');
  for (const [name, suite] of Object.entries(SUITES)) stream.write(`  ${name.padEnd(13)}${suite.description}\n`);
}

async function main(argv: readonly string[]): Promise<number> {
  const [name, ...args] = argv;
  if (name === '--help' || name === '-h' || name === 'help') {
    usage(process.stdout);
    return 0;
  }
  const suite = name === undefined ? undefined : SUITES[name];
  if (!suite || !Object.prototype.hasOwnProperty.call(SUITES, name ?? '')) {
    if (name !== undefined) process.stderr.write(`Error: unknown suite "${name}"\n\n`);
    usage(process.stderr);
    return 1;
  }
  await suite.run(args);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  async (err: unknown) => {
    process.stderr.write(`Error: the benchmark could not run: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    await runCleanups();
    process.exit(1);
  },
);

// Preloaded (`node --import`) into the scheduler processes the scheduler bench measures when
// SCHED_BENCH_CPU_PROF=DIR is set (NODE_OPTIONS refuses --cpu-prof): profiles the whole process
// and writes DIR/scheduler-<pid>.cpuprofile (Chrome DevTools format) when it exits.
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { join } from 'node:path';

const dir = process.env.SCHED_BENCH_CPU_PROF;
if (dir) {
  const session = new Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.setSamplingInterval', { interval: 500 });
  session.post('Profiler.start');
  let written = false;
  const write = () => {
    if (written) return;
    written = true;
    // The in-process session answers synchronously, so this completes before the process ends.
    session.post('Profiler.stop', (err, result) => {
      if (!err) writeFileSync(join(dir, `scheduler-${process.pid}.cpuprofile`), JSON.stringify(result.profile));
    });
  };
  // At SIGTERM (the bench's stop), not only at exit: a scheduler still flushing its events may be
  // killed before it exits. The scheduler's own SIGTERM handler still runs.
  process.once('SIGTERM', write);
  process.once('exit', write);
}

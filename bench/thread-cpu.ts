// CPU time per thread of this process, from Linux's /proc/self/task (absent elsewhere). A benchmark run on two
// cores is bound by the CPU of every thread, not only its own: V8 compiles hot functions and marks the heap on
// background threads of its own, and in a cold run those take as much CPU as the simulation itself. Threads are
// told apart by when they started: the main thread, the threads that existed when this module was loaded (V8's
// platform threads: its compilers and GC helpers), and those started later (the simulation's worker threads; a
// libuv pool thread started lazily would count there too, but a virtual-time run does no pooled I/O).
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

export interface ThreadCpuS {
  /** The main thread (simulation loop, vehicle side, roadside pipelines), s. */
  mainS: number;
  /** Threads started after the process's start: the perception worker, s. */
  workersS: number;
  /** Threads the process started with, the main thread aside: V8's compiler and GC threads, s. */
  v8BackgroundS: number;
}

const TASKS = '/proc/self/task';

function clockTicksPerS(): number {
  try {
    const v = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    return Number.isFinite(v) && v > 0 ? v : 100;
  } catch {
    return 100;
  }
}

/** CPU ticks (user + system) of each thread, by thread id; null where /proc has no task list. */
function ticksByThread(): Map<number, number> | null {
  let tids: string[];
  try {
    tids = readdirSync(TASKS);
  } catch {
    return null;
  }
  const out = new Map<number, number>();
  for (const tid of tids) {
    try {
      const stat = readFileSync(`${TASKS}/${tid}/stat`, 'utf8');
      // Fields after the command name (which may hold spaces), from field 3: utime and stime are fields 14 and 15.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(Number(tid), Number(fields[11]) + Number(fields[12]));
    } catch {
      // The thread ended between the listing and the read: its time is gone with it.
    }
  }
  return out;
}

const startupThreads = new Set(ticksByThread()?.keys() ?? []);
/** Asked of the system once, when a first meter stops (not at import: the bench's parent never meters). */
let ticksPerS: number | undefined;

/** The CPU each kind of thread spends from this call to the returned stop(); null off Linux. */
export function threadCpuMeter(): { stop(): ThreadCpuS | null } {
  const before = ticksByThread();
  return {
    stop(): ThreadCpuS | null {
      const after = ticksByThread();
      if (!before || !after) return null;
      ticksPerS ??= clockTicksPerS();
      const sums = { mainS: 0, workersS: 0, v8BackgroundS: 0 };
      for (const [tid, ticks] of after) {
        const s = (ticks - (before.get(tid) ?? 0)) / ticksPerS;
        if (tid === process.pid) sums.mainS += s;
        else if (startupThreads.has(tid)) sums.v8BackgroundS += s;
        else sums.workersS += s;
      }
      const r2 = (v: number): number => Math.round(v * 100) / 100;
      return { mainS: r2(sums.mainS), workersS: r2(sums.workersS), v8BackgroundS: r2(sums.v8BackgroundS) };
    },
  };
}

// The `iaad` command line. Each command loads its module lazily so that `iaad --help` stays fast.
import { Command, InvalidArgumentError, Option } from 'commander';
import type { ProcessCommandArgs } from '../shared/process/command-args.js';
import type { SimRunArgs } from '../sim/engine/run-setup.js';
import { registerCurveKeys } from './keys-curve.js';

const num = (what: string) => (v: string): number => {
  const n = Number(v);
  if (!Number.isFinite(n)) throw new InvalidArgumentError(`${what} must be a number, got "${v}"`);
  return n;
};

const program = new Command()
  .name('iaad')
  .description('Cooperative-driving fusion edge runtime: roadside perception sharing and adaptive vehicle fusion')
  .showHelpAfterError()
  .configureHelp({ sortSubcommands: false });

program
  .command('broker')
  .description('run the embedded MQTT broker (aedes, MQTT 3.1.1) so nothing has to be installed')
  .option('--host <host>', 'address to listen on', '127.0.0.1')
  .option('--port <port>', 'TCP port (0 = any free port)', num('port'), 1883)
  .action(async (o: { host: string; port: number }) => {
    const { runBrokerCommand } = await import('./broker.js');
    await runBrokerCommand(o);
  });

/** The flags of `iaad roadside|vehicle` as commander gives them. */
type ProcessFlags = Omit<ProcessCommandArgs, 'receive'> & { impair?: string };

/**
 * --impair: the simulator's impairment layer, built here and handed to the process as a decorator of what it
 * receives, so that the processes never import the simulator (loaded only when the flag is given).
 */
async function processArgs(o: ProcessFlags, role: 'roadside' | 'vehicle'): Promise<ProcessCommandArgs> {
  const { impair, ...rest } = o;
  if (impair === undefined) return rest;
  const { impairmentDecorator } = await import('../sim/network/process-impairment.js');
  return { ...rest, receive: impairmentDecorator(impair, role) };
}

const clockOffset = new Option('--clock-offset-ms <ms>', 'testing: pretend this host clock is off by this much')
  .argParser(num('clock offset')).default(0);

program
  .command('roadside')
  .description('run an RSU: read detections, publish perception frames over MQTT and/or ZeroMQ, answer clock sync')
  .requiredOption('-c, --config <file>', 'roadside config (YAML or JSON), see examples/')
  .option('--duration <s>', 'stop after this many seconds (default: run until SIGINT/SIGTERM)', num('duration'))
  .addOption(clockOffset)
  .option('--impair <spec>', 'testing: pass what this process receives through a network model (docs/network-models.md)')
  .option('--record <file>', 'record what this process receives and sends to an MCAP file')
  .option('--start-at-ms <epochMs>', 'start trace replay at this wall-clock time (ms since epoch), to align processes', num('start time'))
  .action(async (o: ProcessFlags) => {
    const { runRoadsideCommand } = await import('../roadside/main.js');
    process.exitCode = await runRoadsideCommand(await processArgs(o, 'roadside'));
  });

program
  .command('vehicle')
  .description('run a vehicle: own detections, subscribe to RSUs, measure links, fuse, publish output frames')
  .requiredOption('-c, --config <file>', 'vehicle config (YAML or JSON), see examples/')
  .option('--duration <s>', 'stop after this many seconds (default: run until SIGINT/SIGTERM)', num('duration'))
  .addOption(clockOffset)
  .option('--impair <spec>', 'testing: pass what this process receives through a network model (docs/network-models.md)')
  .option('--record <file>', 'record what this process receives and produces to an MCAP file (for iaad sim replay)')
  .option('--start-at-ms <epochMs>', 'start trace replay at this wall-clock time (ms since epoch), to align processes', num('start time'))
  .option('--strategy <name>', 'override the config strategy (list below)')
  .action(async (o: ProcessFlags & { strategy?: string }) => {
    const { runVehicleCommand } = await import('../vehicle/main.js');
    const { strategy } = o;
    process.exitCode = await runVehicleCommand({ ...(await processArgs(o, 'vehicle')), ...(strategy !== undefined ? { strategy } : {}) });
  });

program
  .command('demo')
  .description('embedded broker + one RSU + one vehicle as separate processes over MQTT and ZeroMQ, then a summary')
  .option('--duration <s>', 'how long the RSU and vehicle run', num('duration'), 15)
  .option('--scenario <dir>', 'folder with roadside/vehicle traces', 'examples/occluded-crossing')
  .action(async (o: { duration: number; scenario: string }) => {
    const { runDemo } = await import('./demo.js');
    process.exitCode = await runDemo(o);
  });

program
  .command('fuse')
  .description('offline fusion for debugging: object lists from several sources in, the fused list out (JSON)')
  .requiredOption('-i, --input <file...>', 'one JSON file per source (docs/fuse-format.md), in any order')
  .option('--method <m>', 'intra (same instant, information form) or inter (predict to the reference time, covariance intersection)', 'inter')
  .option('--horizon-ms <ms>', 'longest prediction for inter', num('horizon'), 500)
  .option('--reference <source>', 'source id of the input fused onto (default: the newest input; ties: smallest source id)')
  .action(async (o: { input: string[]; method: string; horizonMs: number; reference?: string }) => {
    const { runFuseCommand } = await import('./fuse.js');
    process.exitCode = runFuseCommand(o);
  });

// One `keys` command: `generate` (Ed25519 message signing, docs/security.md) and `curve` (ZeroMQ CURVE, docs/transports.md).
const keys = program.command('keys').description('key material for transport security and message signing');
keys
  .command('generate')
  .description('a new Ed25519 key pair: DIR/NAME.key (private, mode 0600) and DIR/NAME.pub.json (for trust stores)')
  .requiredOption('--id <id>', 'the RSU or vehicle id the key may sign for (bound in the public key file)')
  .requiredOption('--out <dir>', 'where to write the two files (created if missing)')
  .option('--name <name>', 'file name stem, e.g. rsu-1-2027 for a rotation key (default: the id)')
  .action(async (o: { id: string; out: string; name?: string }) => {
    const { runKeysGenerateCommand } = await import('./keys.js');
    process.exitCode = runKeysGenerateCommand(o);
  });

program
  .command('bench')
  .description('benchmarks (JSON to bench/results/): simulator speed, codec, association, transports')
  .option('--only <names>', 'comma-separated subset')
  .option('--out <dir>', 'where to write the JSON', 'bench/results')
  .action(async (o: { only?: string; out: string }) => {
    const { runBench } = await import('../bench/run.js');
    process.exitCode = await runBench(o);
  });

registerCurveKeys(keys);

const sim = program.command('sim').description('simulator: scenarios, traces, replay and scoring');
sim
  .command('export-traces')
  .description("render a scenario's sensor output as JSON-lines traces (one per RSU and one for the vehicle)")
  .requiredOption('--scenario <name>', 'built-in scenario name')
  .option('--seed <n>', 'random seed', num('seed'), 1)
  .requiredOption('--out <dir>', 'output folder')
  .action(async (o: { scenario: string; seed: number; out: string }) => {
    const { builtinScenario } = await import('../sim/scenarios/index.js');
    const { writeTraces } = await import('../sim/tools/export-traces.js');
    for (const p of writeTraces(builtinScenario(o.scenario), o.seed, o.out)) process.stdout.write(`${p}\n`);
  });

const scenarioOpts = (c: Command): Command => c
  .requiredOption('--scenario <name|file>', 'built-in scenario (occluded-crossing, highway-merge, cicv5g-drive) or a scenario file')
  .option('--cicv5g <file>', 'CICV5G trace for cicv5g-drive: the route, and the default network (trace:FILE@position)')
  .option('--network <spec>', 'network model, e.g. fixed:20, jitter:20,5, ge:0.01,0.3,0,0.8, trace:FILE@time, or a bare CICV5G FILE (= trace:FILE@time) (docs/network-models.md)')
  .option('--netmap <file>', 'network-quality map for adaptive-st (default: built from --cicv5g, else learned online)')
  .requiredOption('--out <dir>', 'output folder');

scenarioOpts(sim.command('run').description('one simulated run in virtual time: DIR/metrics.json and DIR/report.html'))
  .option('--strategy <name>', 'how the vehicle uses the roadside (list below)', 'adaptive-st')
  .option('--seed <n>', 'random seed (same seed, same metrics.json)', num('seed'), 1)
  .option('--record <file>', 'also record the vehicle side of the run to an MCAP file')
  .option('--realtime', 'run the RSU and the vehicle as separate processes over real MQTT and ZeroMQ, in real time')
  .action(async (o: SimRunArgs) => {
    if (o.realtime) {
      const { runSimRealtime } = await import('../sim/realtime/run.js');
      process.exitCode = await runSimRealtime(o);
      return;
    }
    const { runSimRun } = await import('../sim/commands.js');
    process.exitCode = await runSimRun(o);
  });

sim
  .command('replay')
  .description('re-run the vehicle fusion on an MCAP recording, deterministically, with any strategy, and score it')
  .argument('<file>', 'MCAP recording made with --record (by iaad vehicle, iaad sim run --record, or --realtime)')
  .option('--strategy <name>', 'strategy to replay with (default: the recorded one; list below)')
  .requiredOption('--out <dir>', 'output folder: metrics.json, report.html')
  .action(async (file: string, o: { strategy?: string; out: string }) => {
    const { runSimReplay } = await import('../sim/replay/command.js');
    process.exitCode = await runSimReplay(file, o);
  });

scenarioOpts(sim.command('compare').description('every strategy over N seeds: DIR/comparison.json and DIR/report.html'))
  .option('--seeds <n>', 'seeds 1..N per strategy', num('seeds'), 5)
  .option('--strategies <list>', 'comma-separated subset of strategies (default: all, listed below)')
  .option('--jobs <n>', 'runs in parallel, one worker thread each (default: one per core)', num('jobs'))
  .action(async (o: { scenario: string; cicv5g?: string; network?: string; netmap?: string; out: string; seeds: number; strategies?: string; jobs?: number }) => {
    const { runSimCompare } = await import('../sim/commands.js');
    process.exitCode = await runSimCompare(o);
  });

sim
  .command('suite')
  .description('the reference comparisons (occluded-crossing, every CICV5G drive) and the claims checked on them: DIR/suite.md, DIR/suite.json')
  .requiredOption('--out <dir>', 'output folder')
  .option('--seeds <n>', 'seeds 1..N per strategy', num('seeds'), 5)
  .option('--jobs <n>', 'runs in parallel, one worker thread each (default: one per core)', num('jobs'))
  .option('--only <list>', 'comma-separated entries or groups, e.g. south,mixed-corridor or sweep (list: sim/tools/reference-suite.ts)')
  .action(async (o: { out: string; seeds: number; jobs?: number; only?: string }) => {
    const { runSimSuite } = await import('../sim/tools/reference-suite.js');
    process.exitCode = await runSimSuite(o);
  });

sim
  .command('netmap')
  .description('build a network-quality map (grid of latency quantiles and outage rate) from a CICV5G drive')
  .requiredOption('--cicv5g <file>', 'CICV5G trace file')
  .requiredOption('--out <file>', 'map JSON to write')
  .option('--cell <m>', 'cell size, m', num('cell size'), 25)
  .action(async (o: { cicv5g: string; out: string; cell: number }) => {
    const { runSimNetmap } = await import('../sim/commands.js');
    process.exitCode = runSimNetmap({ cicv5g: o.cicv5g, out: o.out, cellM: o.cell });
  });

/**
 * A command that takes a strategy lists the strategies (name and description, from their table) after its help.
 * Read when that command is on the way, not at start: the table loads the fusion modules, and `iaad --help` stays
 * fast.
 */
async function listStrategies(_parent: Command, command: Command): Promise<void> {
  if (!command.options.some((o) => o.long === '--strategy' || o.long === '--strategies')) return;
  const { strategyHelp } = await import('../shared/fusion/strategies.js');
  command.addHelpText('after', `\n${strategyHelp()}`);
}
program.hook('preSubcommand', listStrategies);
sim.hook('preSubcommand', listStrategies);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  // Config and input errors are the operator's to fix: one clear message, no stack trace.
  const e = err as Error;
  process.stderr.write(`iaad: ${e.name === 'Error' ? '' : `${e.name}: `}${e.message}\n`);
  process.exitCode = 2;
}

// The simulator's determinism hash: a fixed matrix of virtual-time runs (every strategy on built-in scenarios and
// impaired networks, plus two real CICV5G drives where ../shared has them), each hashed over its full-precision
// metrics, counts and per-frame series. A refactor that claims "outputs unchanged" shows the same hashes before
// and after. Run: `npm run output-hash` (prints one line per run, then the total); `-- --quick` skips the drives.
import { createHash } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { runVirtual } from '../sim/engine/virtual-run.js';
import { runSetup } from '../sim/engine/run-setup.js';
import { cicv5gDataDir } from '../sim/scenarios/cicv5g-drive.js';
import { strategyDef, strategyNames, type StrategyName } from '../shared/fusion/strategies.js';

interface HashCase {
  scenario: string;
  network?: string;
  cicv5g?: string;
  strategies: readonly StrategyName[];
  seed: number;
}

function cases(quick: boolean): HashCase[] {
  const all = strategyNames();
  const out: HashCase[] = [
    { scenario: 'occluded-crossing', network: 'jitter:30,10+ge:0.02,0.3,0,0.5', strategies: all, seed: 3 },
    { scenario: 'occluded-crossing', network: 'fixed:150', strategies: all, seed: 1 },
    { scenario: 'highway-merge', network: 'jitter:25,8,10@gamma+ge:0.02,0.3,0,0.5', strategies: all, seed: 2 },
  ];
  const dir = cicv5gDataDir();
  if (quick) return out;
  if (!dir) {
    process.stderr.write('output-hash: ../shared/data/cicv5g absent: the CICV5G drives are left out\n');
    return out;
  }
  out.push({ scenario: 'cicv5g-drive', cicv5g: `${dir}/south_n8_v10_01.txt`, strategies: ['adaptive-st', 'inter'], seed: 1 });
  out.push({ scenario: 'cicv5g-drive', cicv5g: `${dir}/w2s_n8_v30_run01.txt`, strategies: ['adaptive-st', 'latest'], seed: 1 });
  return out;
}

function sha(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

export function outputHashes(quick: boolean, write: (line: string) => void): string {
  const total = createHash('sha256');
  const dir = cicv5gDataDir();
  for (const c of cases(quick)) {
    const setup = runSetup({ scenario: c.scenario, cicv5g: c.cicv5g, network: c.network });
    for (const strategy of c.strategies) {
      const r = runVirtual({
        scenario: setup.resolved.scenario, network: setup.resolved.network, strategy, seed: c.seed,
        netmap: strategyDef(strategy).needsNetmap ? setup.netmap() : null, collectSeries: true,
      });
      // Full precision: JSON keeps every double exactly (shortest round-trip form). The network spec names the
      // trace file by its path: hashed without the data folder, so the hash does not depend on where it lies.
      const json = JSON.stringify({ metrics: r.metrics, details: r.details, series: r.series });
      const h = sha(dir ? json.split(dir).join('<cicv5g>') : json);
      total.update(h);
      const label = c.cicv5g ? `${c.scenario}@${c.cicv5g.split('/').pop()}` : `${c.scenario} ${c.network}`;
      write(`${h}  ${label} ${strategy} seed=${c.seed}`);
    }
  }
  return total.digest('hex').slice(0, 16);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const quick = process.argv.includes('--quick');
  const total = outputHashes(quick, (l) => process.stdout.write(`${l}\n`));
  process.stdout.write(`total ${total}${quick ? ' (quick)' : ''}\n`);
}

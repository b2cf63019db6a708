// The layer rules of iaad, checked by `npm test` (dependency-cruiser) and drawn in docs/architecture.md:
//
//   proto <- shared (pure core <- I/O edge) <- roadside, vehicle (never each other) <- sim <- bench <- cli
//
// Within shared/ and sim/ the folders are ranked as well (lower never imports higher), so no folder cycle can
// come back; and no module may import itself round a circle. test/ may import anything and is not checked.
// Rules are generated from the rank lists below: to add a folder, put it in its place in the list.

/** Top-level layers, lowest first; folders in one inner array are peers that must not import each other. */
const TOP = [['shared'], ['roadside', 'vehicle'], ['sim'], ['bench'], ['cli']];

/** shared/: the pure core (no sockets, files, processes or clocks of its own), lowest first. */
const SHARED_CORE = [
  'kernels', 'model', 'time', 'geometry', 'wire', 'auth', 'motion', 'association', 'tracking', 'netmap', 'link', 'fusion',
  'planning',
];
/** shared/: the I/O edge (where data enters and leaves), lowest first. It may import the pure core. */
const SHARED_EDGE = ['config', 'keys', 'log', 'net', 'transport', 'sources', 'record', 'process'];

/** sim/: lowest first; sim/*.ts at the top (the commands). */
const SIM = [
  'world', 'sensors', 'network', 'scenarios', 'report', 'metrics', 'engine', 'replay', 'tools', 'realtime',
];

/** Node built-ins that do I/O: the pure core must not use them (time and data are handed in). */
const IO_BUILTINS = ['fs', 'fs/promises', 'net', 'dgram', 'child_process', 'worker_threads', 'http', 'https', 'tls', 'cluster', 'readline'];
/** Packages that do I/O. */
const IO_PACKAGES = ['mqtt', 'zeromq', 'aedes', 'pino', '@mcap'];

const alt = (names) => `(${names.map((n) => n.replace(/[/.@]/g, (c) => `\\${c}`)).join('|')})`;

/** `allowed`: modules of a higher layer that a lower one may still name (an interface module of types only). */
function rankRules(prefix, ranks, what, allowed) {
  const rules = [];
  ranks.forEach((peers, i) => {
    const higher = ranks.slice(i + 1).flat();
    for (const name of peers) {
      const forbidden = [...higher, ...peers.filter((p) => p !== name)];
      if (forbidden.length === 0) continue;
      rules.push({
        name: `${what}: ${prefix}${name}`,
        comment: `${prefix}${name}/ may import only layers below it (${what}; see .dependency-cruiser.cjs)`,
        severity: 'error',
        from: { path: `^${prefix}${name}(/|\\.ts$)` },
        to: { path: `^${prefix}${alt(forbidden)}(/|\\.ts$)`, ...(allowed ? { pathNot: allowed } : {}) },
      });
    }
  });
  return rules;
}

const shared = (names) => names.map((n) => `shared/${n}`);

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'modules must not import each other round a circle (type-only imports count too)',
      severity: 'error',
      from: { pathNot: '^test/' },
      to: { circular: true },
    },
    ...rankRules('', TOP, 'top-level layers'),
    // The core may name the Transport interface's types (shared/transport/types.ts: no code), nothing else above it.
    ...rankRules('shared/', [...SHARED_CORE.map((n) => [n]), ...SHARED_EDGE.map((n) => [n])], 'shared layers',
      '^shared/transport/types\\.ts$'),
    {
      name: 'shared core: no I/O',
      comment: 'the pure core of shared/ gets its data and time handed in: no files, sockets, processes, logs',
      severity: 'error',
      from: { path: `^${alt(shared(SHARED_CORE))}/` },
      to: {
        path: `^(${alt(IO_BUILTINS)}|node:${alt(IO_BUILTINS)}|node_modules/${alt(IO_PACKAGES)}/)`,
      },
    },
    ...rankRules('sim/', SIM.map((n) => [n]), 'sim layers'),
    {
      name: 'sim layers: commands on top',
      comment: 'sim/*.ts are the commands: nothing inside sim/ imports them',
      severity: 'error',
      from: { path: '^sim/[^/]+/' },
      to: { path: '^sim/[^/]+\\.ts$' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)shared/wire/generated/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
    reporterOptions: {
      archi: { collapsePattern: '^(shared|sim)/[^/]+|^[^/]+' },
    },
  },
};

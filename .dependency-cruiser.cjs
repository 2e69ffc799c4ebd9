/**
 * The architecture as rules (`npm run lint:deps`): no circular imports, the package layering (a lower package never
 * imports a higher one), only the CLI's dispatcher imports its commands, and no source file nobody imports.
 *
 *   npx depcruise packages/*\/src --config .dependency-cruiser.cjs
 *
 * Workspace packages resolve through node_modules/@casebook/* to packages/<name>/dist (their `main`), so the layer
 * rules match `packages/<name>/` whatever the file behind it.
 */

/** Lowest first; packages on one line are one layer and do not import each other. */
const LAYERS = [
  ['stats'],
  ['results'],
  ['procs'],
  ['clients', 'servers'],
  ['runner'],
  ['analysis', 'charts'],
  ['citing'],
  ['study'],
  ['cli'],
];

const anyOf = (names) => `^packages/(${names.join('|')})/`;

const layerRules = LAYERS.flatMap((layer, i) => {
  const higher = LAYERS.slice(i + 1).flat();
  const rules = [];
  if (higher.length > 0)
    rules.push({
      name: `layering-${layer.join('-')}`,
      comment: `${layer.join(' and ')} must not import a higher package (${higher.join(', ')}): see the layering in README.md`,
      severity: 'error',
      from: { path: anyOf(layer) },
      to: { path: anyOf(higher) },
    });
  for (const name of layer) {
    const siblings = layer.filter((other) => other !== name);
    if (siblings.length > 0)
      rules.push({
        name: `layering-${name}-siblings`,
        comment: `${name} and ${siblings.join(', ')} sit on one layer: neither imports the other`,
        severity: 'error',
        from: { path: anyOf([name]) },
        to: { path: anyOf(siblings) },
      });
  }
  return rules;
});

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'Circular imports: split the shared part into its own module',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    ...layerRules,
    {
      name: 'commands-only-from-main',
      comment:
        'A command is the end of the line: only the dispatcher (packages/cli/src/main.ts) and other commands import ' +
        'from commands/. Shared code lives in a library package or beside main.ts.',
      severity: 'error',
      from: { pathNot: ['^packages/cli/src/commands/', '^packages/cli/src/main\\.ts$'] },
      to: { path: '^packages/cli/src/commands/' },
    },
    {
      name: 'no-orphans',
      comment: 'Nothing imports this module and it imports nothing: remove it, or import it where it belongs',
      severity: 'error',
      from: { orphan: true, pathNot: ['\\.d\\.ts$', '-process\\.ts$'] },
      to: {},
    },
  ],
  options: {
    // Only the project's own modules; npm packages and node: builtins are knip's business (unused dependencies).
    includeOnly: '^packages/',
    doNotFollow: { path: ['node_modules', '/dist/'] },
    // Type-only imports count: a type import of a higher package is still a layering violation.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.base.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.js', '.d.ts', '.cjs', '.mjs', '.json'],
    },
  },
};

import { packageBuild } from '../../tsup.package.ts';

export default packageBuild({
  // One entry per subpath export (package.json "exports"); shared code is split into chunks.
  entry: { index: 'src/index.ts', registry: 'src/entries/registry.ts', layout: 'src/entries/layout.ts', cache: 'src/entries/cache.ts' },
  splitting: true,
});

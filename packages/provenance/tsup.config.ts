import { packageBuild } from '../../tsup.package.ts';

export default packageBuild({
  // One entry per subpath export (package.json "exports"); shared code is split into chunks.
  entry: { index: 'src/index.ts', statement: 'src/entries/statement.ts' },
  splitting: true,
});

import { readFileSync } from 'node:fs';
import { packageBuild } from '../../tsup.package.ts';

const { version } = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')) as { version: string };

export default packageBuild({
  entry: ['src/bin.ts', 'src/index.ts'],
  dts: { entry: 'src/index.ts' },
  splitting: true,
  define: { __SEALPACK_VERSION__: JSON.stringify(version) },
});

import { packageBuild } from '../../tsup.package.ts';

export default packageBuild({ entry: ['src/index.ts'] });

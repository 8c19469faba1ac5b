// Writes docs/cli.md from the command table: `./run pnpm docs`.
import { writeFile } from 'node:fs/promises';
import { renderCliReference } from '../src/cli-reference.ts';
import { COMMANDS } from '../src/main.ts';

const path = new URL('../../../docs/cli.md', import.meta.url);
await writeFile(path, renderCliReference(COMMANDS));
process.stdout.write(`wrote ${path.pathname}\n`);

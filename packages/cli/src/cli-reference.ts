import type { Command, OptionSpecs } from './command.ts';
import { GLOBAL_OPTIONS } from './global-options.ts';
import { optionSignature } from './help.ts';

function cell(text: string): string {
  return text.replace(/\|/g, '\\|');
}

function optionTable(specs: OptionSpecs): string[] {
  const rows = Object.entries(specs).map(
    ([name, spec]) => `| \`${optionSignature(name, spec).trim()}\` | ${cell(spec.description)} | ${spec.defaultText === undefined ? '' : cell(spec.defaultText)} |`,
  );
  return rows.length === 0 ? ['No options of its own.'] : ['| option | what it does | default |', '| --- | --- | --- |', ...rows];
}

/**
 * docs/cli.md, made from the command table itself: `./run pnpm docs` writes it, and a test fails
 * when the file and the table disagree, so the reference cannot drift from the CLI.
 */
export function renderCliReference(commands: readonly Command[]): string {
  const lines = [
    '# The `sealpack` command line',
    '',
    '<!-- Generated from the command table (packages/cli/src) by `./run pnpm docs`; a test fails when it is out of date. -->',
    '',
    'Users come from oras and cosign: where those tools have a spelling, sealpack uses it.',
    '',
    '## References',
    '',
    '- Registry: `[oci://]HOST[:PORT]/REPO[:TAG][@sha256:HEX]` (Docker Hub names normalised). A reference whose first part names a host (a `.` or `:`, or `localhost`) but no repository is refused, never sent to Docker Hub.',
    '- `localhost` and `127.0.0.1` speak plain HTTP unless `--ca-file`, `--insecure` or `--plain-http=false` asks for TLS; every other host HTTPS unless `--plain-http`.',
    '- OCI image layout directory: `ocidir://PATH[:TAG][@sha256:HEX]`.',
    '- Printed references are digest-pinned: `oci://HOST/REPO@sha256:HEX`.',
    '',
    '## Exit codes',
    '',
    '| code | meaning |',
    '| --- | --- |',
    '| 0 | success |',
    '| 1 | the answer is no: verification or policy denied, content that fails its digest or a safety check |',
    '| 2 | usage error or invalid input (a bad flag value, a malformed media type, a file that does not exist) |',
    '| 3 | registry, network or I/O failure (also "not found" on a registry, a refused delete) |',
    '| 4 | internal error: a bug; the message asks for a report with `--debug` |',
    '| 130 / 143 | interrupted (Ctrl-C / SIGTERM); what was half-written is removed |',
    '',
    'Errors are one line on stderr. With `--json` a failure is also one JSON document on stdout: `{"error": {"code": "…", "message": "…", "exitCode": N}}`.',
    '',
    '## Credentials',
    '',
    "`-u USER --password-stdin`, then `SEALPACK_USERNAME`/`SEALPACK_PASSWORD`, then `~/.docker/config.json` (`auths`, `credsStore`, `credHelpers`). A command between two registries (`copy`, `restore`) takes each side's own `--from-…`/`--to-…` options (env `SEALPACK_FROM_*`/`SEALPACK_TO_*`); plain `-u` or `SEALPACK_USERNAME` on a copy between two different registries is refused, so a password only ever reaches the registry it was given for.",
    '',
    '## Global options',
    '',
    ...optionTable(GLOBAL_OPTIONS),
    '',
    '## Commands',
    '',
  ];
  for (const command of commands) {
    lines.push(`### sealpack ${command.path.join(' ')}`, '', command.summary, '', '```', command.usage, '```', '', ...optionTable(command.options), '');
  }
  return `${lines.join('\n').trimEnd()}\n`;
}

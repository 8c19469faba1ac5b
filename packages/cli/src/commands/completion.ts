import { z } from 'zod';
import type { Command, OptionSpecs } from '../command.ts';
import { UsageError } from '../errors.ts';
import { GLOBAL_OPTIONS } from '../global-options.ts';

const Shell = z.enum(['bash', 'zsh', 'fish'], { error: 'completion is for bash, zsh or fish' });

/** Words sealpack answers to besides its commands. */
const EXTRA_WORDS = ['help', 'version'];

function flags(specs: OptionSpecs): string[] {
  return Object.entries(specs).flatMap(([name, spec]) => [`--${name}`, ...(spec.short === undefined ? [] : [`-${spec.short}`])]);
}

function topWords(commands: readonly Command[]): string[] {
  return [...new Set([...commands.map((c) => c.path[0] as string), ...EXTRA_WORDS])].sort();
}

function groups(commands: readonly Command[]): Map<string, string[]> {
  const byGroup = new Map<string, string[]>();
  for (const c of commands.filter((c) => c.path.length > 1)) byGroup.set(c.path[0] as string, [...(byGroup.get(c.path[0] as string) ?? []), c.path[1] as string]);
  return byGroup;
}

/** One bash function for bash and (through bashcompinit) zsh: words, then each command's flags, else file names. */
function bashFunction(commands: readonly Command[]): string {
  const global = flags(GLOBAL_OPTIONS).join(' ');
  const groupCases = [...groups(commands)].map(
    ([group, subs]) => `    ${group}) if [ "$COMP_CWORD" -eq 2 ]; then COMPREPLY=($(compgen -W "${subs.join(' ')}" -- "$cur")); return; fi; words="${group} \${COMP_WORDS[2]}" ;;`,
  );
  const commandCases = commands.map((c) => `    "${c.path.join(' ')}") opts="$opts ${flags(c.options).join(' ')}" ;;`);
  return [
    '_sealpack() {',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a bash parameter expansion, not a template
    '  local cur="${COMP_WORDS[COMP_CWORD]}" words="${COMP_WORDS[1]}" opts',
    `  if [ "$COMP_CWORD" -eq 1 ]; then COMPREPLY=($(compgen -W "${topWords(commands).join(' ')}" -- "$cur")); return; fi`,
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a bash parameter expansion, not a template
    '  case "${COMP_WORDS[1]}" in',
    '    completion) COMPREPLY=($(compgen -W "bash zsh fish" -- "$cur")); return ;;',
    ...groupCases,
    '  esac',
    `  opts="${global}"`,
    '  case "$words" in',
    ...commandCases,
    '  esac',
    '  if [[ "$cur" == -* ]]; then COMPREPLY=($(compgen -W "$opts" -- "$cur")); else COMPREPLY=($(compgen -f -- "$cur")); fi',
    '}',
  ].join('\n');
}

function fishQuote(text: string): string {
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

function fishOptions(specs: OptionSpecs, condition: string | undefined): string[] {
  return Object.entries(specs).map(
    ([name, spec]) =>
      `complete -c sealpack${condition === undefined ? '' : ` -n ${fishQuote(condition)}`} -l ${name}${spec.short === undefined ? '' : ` -s ${spec.short}`}${spec.type === 'string' ? ' -r' : ''} -d ${fishQuote(spec.description)}`,
  );
}

function fishScript(commands: readonly Command[]): string {
  const lines = ['# sealpack completion for fish: sealpack completion fish > ~/.config/fish/completions/sealpack.fish', 'complete -c sealpack -f'];
  const tops = new Map<string, string>();
  for (const c of commands) tops.set(c.path[0] as string, c.path.length > 1 ? `${c.path[0]} commands` : c.summary);
  for (const [word, summary] of tops) lines.push(`complete -c sealpack -n __fish_use_subcommand -a ${word} -d ${fishQuote(summary)}`);
  lines.push("complete -c sealpack -n '__fish_seen_subcommand_from completion' -a 'bash zsh fish'");
  for (const [group, subs] of groups(commands)) {
    for (const c of commands.filter((c) => c.path[0] === group && c.path.length > 1)) {
      lines.push(`complete -c sealpack -n ${fishQuote(`__fish_seen_subcommand_from ${group}; and not __fish_seen_subcommand_from ${subs.join(' ')}`)} -a ${c.path[1]} -d ${fishQuote(c.summary)}`);
    }
  }
  for (const c of commands) {
    const condition = c.path.length > 1 ? `__fish_seen_subcommand_from ${c.path[0]}; and __fish_seen_subcommand_from ${c.path[1]}` : `__fish_seen_subcommand_from ${c.path[0]}`;
    lines.push(...fishOptions(c.options, condition));
  }
  lines.push(...fishOptions(GLOBAL_OPTIONS, undefined));
  // Operands are references and files: let fish offer file names again after a command.
  lines.push("complete -c sealpack -n 'not __fish_use_subcommand' -F");
  return lines.join('\n');
}

/** The script for a shell, made from the command table so it never lags behind it. */
export function completionScript(shell: z.infer<typeof Shell>, commands: readonly Command[]): string {
  switch (shell) {
    case 'bash':
      return ['# sealpack completion for bash: eval "$(sealpack completion bash)"', bashFunction(commands), 'complete -o filenames -F _sealpack sealpack', ''].join('\n');
    case 'zsh':
      return [
        '#compdef sealpack',
        '# sealpack completion for zsh: eval "$(sealpack completion zsh)"',
        'autoload -U +X bashcompinit && bashcompinit',
        bashFunction(commands),
        'complete -o filenames -F _sealpack sealpack',
        '',
      ].join('\n');
    case 'fish':
      return `${fishScript(commands)}\n`;
  }
}

export const completionCommand: Command = {
  path: ['completion'],
  usage: 'sealpack completion bash|zsh|fish',
  operands: 1,
  summary: 'print a shell completion script (bash: eval "$(sealpack completion bash)")',
  options: {},
  async run({ positionals, out, commands }) {
    const shell = Shell.safeParse(positionals[0]);
    if (!shell.success) throw new UsageError(positionals[0] === undefined ? 'completion needs a shell: bash, zsh or fish' : `no completion for '${positionals[0]}': bash, zsh or fish`);
    out.raw(completionScript(shell.data, commands));
  },
};

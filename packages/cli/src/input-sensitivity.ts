import type { OpenInput } from '@sealpack/policy';
import type { CommandContext } from './command.ts';

/**
 * How every command that judges (verify --policy, policy check, publish, promote, rollback, the
 * viewer) lets the judge reach the artifacts a verified PROV names, to read their labels.
 */
export function inputOpener(context: Pick<CommandContext, 'open'>): OpenInput {
  return (ref) => context.open(ref);
}

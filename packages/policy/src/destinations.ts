import { PolicyError } from './errors.ts';
import { matchesDestination } from './patterns.ts';
import type { Policy } from './policy-file.ts';

/**
 * Whether an artifact of this sensitivity may go to `destination` (`registry/repository`): the
 * check publish, copy and promote run before any byte leaves. A policy without destinations
 * allows any; one that has them allows only what a pattern of that level names; an unknown or
 * missing label never goes anywhere listed.
 */
export function checkDestination(policy: Policy, sensitivity: string | undefined, destination: string): void {
  const destinations = policy.destinations;
  if (destinations === undefined) return;
  const level = sensitivity ?? '(no sensitivity label)';
  // Own keys only: a label is the artifact's to choose, and `constructor` or `__proto__` would
  // otherwise find Object.prototype's members.
  const patterns = sensitivity === undefined || !Object.hasOwn(destinations, sensitivity) ? undefined : destinations[sensitivity];
  if (patterns === undefined) throw new PolicyError('DESTINATION_DENIED', `${level} artifacts may go nowhere under policy ${policy.metadata.name}: it lists no destinations for them`);
  if (!patterns.some((p) => matchesDestination(p, destination))) {
    throw new PolicyError('DESTINATION_DENIED', `${destination} is not a destination for ${level} artifacts (allowed: ${patterns.join(', ')})`);
  }
}

import { PolicyError } from './errors.ts';
import { matchesDestination } from './patterns.ts';
import type { Policy } from './policy-file.ts';

/**
 * Whether an artifact of this sensitivity may go to `destination` (`registry/repository`, or
 * `ocidir://PATH`). Fail closed: under a policy without destinations, only unlabelled artifacts and
 * those of the lattice's lowest level move; under one that has them, only what a pattern of that
 * level names, and an unknown or missing label goes nowhere listed.
 */
export function destinationVerdict(policy: Policy, sensitivity: string | undefined, destination: string): { passed: boolean; message: string } {
  const destinations = policy.destinations;
  const levels = policy.sensitivityLevels;
  const lowest = levels[0];
  const level = sensitivity ?? '(no sensitivity label)';
  if (destinations === undefined) {
    if (sensitivity === undefined || sensitivity === lowest) return { passed: true, message: `${level} artifacts may go anywhere` };
    const known = levels.includes(sensitivity) ? '' : ` (${sensitivity} is not a level of it: ${levels.join(' < ')})`;
    return { passed: false, message: `${level} artifacts go only where a policy's destinations allow, and policy ${policy.metadata.name} lists none${known}` };
  }
  // Own keys only: a label is the artifact's to choose, and `constructor` or `__proto__` would
  // otherwise find Object.prototype's members.
  const patterns = sensitivity === undefined || !Object.hasOwn(destinations, sensitivity) ? undefined : destinations[sensitivity];
  if (patterns === undefined) return { passed: false, message: `${level} artifacts may go nowhere under policy ${policy.metadata.name}: it lists no destinations for them` };
  if (!patterns.some((p) => matchesDestination(p, destination))) return { passed: false, message: `${destination} is not a destination for ${level} artifacts (allowed: ${patterns.join(', ')})` };
  return { passed: true, message: `${destination} is a destination for ${level} artifacts` };
}

/**
 * `destinationVerdict` as a check that throws DESTINATION_DENIED: what publish runs on the labels it
 * is about to write, before any byte leaves.
 */
export function checkDestination(policy: Policy, sensitivity: string | undefined, destination: string): void {
  const verdict = destinationVerdict(policy, sensitivity, destination);
  if (!verdict.passed) throw new PolicyError('DESTINATION_DENIED', verdict.message);
}

import type { Descriptor, ReadOnlyTarget } from '@sealpack/oci-client';
import type { VerifyPolicy } from '@sealpack/signing/verify';
import { type CarriedGraph, carriedLabels } from './carried-labels.ts';
import { collectEvidence } from './collect.ts';
import { destinationVerdict } from './destinations.ts';
import { compilePolicy, type Decision, type RuleResult, trustedDeclassification } from './evaluate.ts';
import type { Evidence } from './evidence.ts';
import { inputLabelReader, type OpenInput } from './input-labels.ts';
import { DEFAULT_SENSITIVITY_LEVELS, type Policy, POLICY_API_VERSION } from './policy-file.ts';

export interface JudgeOptions {
  /** The reference as the user gave it, and whether it named the digest. */
  reference: string;
  pinned: boolean;
  /**
   * The key or identity signatures, attestations and revocations must verify under. Without one
   * nothing verifies: no signature or attestation counts, and no PROV names an input.
   */
  verifyPolicy?: VerifyPolicy;
  /** The policy to apply; without one, `defaultPolicy` (see there). */
  policy?: Policy;
  /** The policy environment whose overrides apply; an unknown one is INVALID_POLICY, never the defaults. */
  environment?: string;
  /**
   * Where the artifact is about to be moved or tagged (`registry/repository`, or `ocidir://PATH`
   * for a layout): its sensitivity, and that of the inputs its verified PROV names, must be allowed
   * there by the policy's destinations.
   */
  destination?: string;
  /**
   * How to reach the artifacts a verified PROV names, to read their sensitivity labels. Without
   * it (or `--offline`) their labels are unknown, which counts against the subject.
   */
  openInput?: OpenInput;
  /**
   * What the move takes along besides the subject (the manifests of an index always; the
   * referrers graph when `referrers`): each labelled manifest must be allowed at `destination` too.
   */
  carries?: CarriedGraph;
  now?: Date;
}

/** The judge's answer: allow or not, the decision with every rule's result, and what it was made on. */
export interface Judgement {
  allow: boolean;
  /** Every rule's result; `violations` the failed ones, denies first. */
  decision: Decision;
  evidence: Evidence;
  /** One line per deny, `rule: message`, for an error message. */
  reasons: string[];
}

/** The name of the built-in policy a judgement without a policy file is made under. */
export const DEFAULT_POLICY_NAME = 'sealpack-default';

/**
 * The policy that applies when the caller names none, and it fails closed: nothing labelled above
 * the lattice's lowest level (`public`) moves anywhere, as it lists no destinations; unlabelled
 * and public artifacts move freely. With `signatures`, at least one valid signature is required
 * too (a judgement made under a key or identity). A verified revocation denies under any policy.
 */
export function defaultPolicy(options: { signatures: boolean }): Policy {
  return {
    apiVersion: POLICY_API_VERSION,
    kind: 'Policy',
    metadata: { name: DEFAULT_POLICY_NAME, description: 'built in: signed when a key or identity is given; nothing above public leaves' },
    sensitivityLevels: [...DEFAULT_SENSITIVITY_LEVELS],
    rules: options.signatures ? [{ id: 'signed', type: 'signatures', severity: 'deny', minimum: 1 }] : [],
    environments: {},
  };
}

/**
 * Whether an artifact may be used, moved or tagged: the one decision every path of sealpack makes
 * the same way (verify --policy, policy check, publish, promote, rollback, copy, restore, the
 * viewer, and a library user). It collects the subject's evidence (signatures, attestations and
 * revocations judged by their signed payloads, labels from the digest-pinned manifest, the labels
 * of the inputs its verified PROV names), evaluates the policy, and checks the destination when
 * the artifact is about to go somewhere. I/O happens here; the evaluation itself is pure.
 */
export async function judgeArtifact(target: ReadOnlyTarget, subject: Descriptor, options: JudgeOptions): Promise<Judgement> {
  const policy = options.policy ?? defaultPolicy({ signatures: options.verifyPolicy !== undefined });
  // Compiled first: a bad policy or an unknown environment fails before any request.
  const compiled = compilePolicy(policy, options.environment);
  const readsInputs = options.destination !== undefined || policy.rules.some((r) => r.type === 'sensitivityInheritance' || r.type === 'cel');
  const evidence = await collectEvidence(target, subject, {
    reference: options.reference,
    pinned: options.pinned,
    ...(options.verifyPolicy === undefined ? {} : { verifyPolicy: options.verifyPolicy }),
    ...(readsInputs && options.openInput !== undefined
      ? {
          inputLabel: inputLabelReader(options.openInput, {
            ...(options.verifyPolicy === undefined ? {} : { verifyPolicy: options.verifyPolicy }),
            levels: policy.sensitivityLevels,
            declassified: trustedDeclassification(policy),
          }),
        }
      : {}),
  });
  let decision = compiled.evaluate(evidence, options.now);
  if (options.destination !== undefined) {
    decision = withResult(decision, destinationResult(policy, evidence, decision, options.destination));
    decision = withResult(decision, await carriedResult(target, subject, policy, options.destination, options.carries ?? { referrers: false }));
  }
  const reasons = decision.violations.filter((v) => v.severity === 'deny').map((v) => `${v.id}: ${v.message}`);
  return { allow: decision.allow, decision, evidence, reasons };
}

/**
 * The destination rule: the subject's own label, and the label of every input its verified PROV
 * names unless the policy's inheritance rule passed (a trusted declassification, or labels that
 * already agree). An input whose label could not be read may be the most restrictive of all.
 */
function destinationResult(policy: Policy, evidence: Evidence, decision: Decision, destination: string): RuleResult {
  const inheritanceCleared = decision.results.some((r) => r.type === 'sensitivityInheritance' && r.passed);
  const own = destinationVerdict(policy, evidence.labels.sensitivity, destination);
  if (!own.passed) return destinationRule(false, `the artifact: ${own.message}`);
  if (!inheritanceCleared) {
    const highest = policy.sensitivityLevels[policy.sensitivityLevels.length - 1];
    for (const input of evidence.lineage.inputs) {
      // Fail closed: an input that could not be read (unreachable, offline, gone) may be the most restrictive of all.
      const verdict = destinationVerdict(policy, input.unreadable === true ? highest : input.sensitivity, destination);
      if (!verdict.passed) {
        const label = input.unreadable === true ? `could not be read, so it counts as ${highest}` : `is ${input.sensitivity ?? 'unlabelled'}`;
        return destinationRule(false, `its input ${input.id} ${label}: ${verdict.message}`);
      }
    }
  }
  return destinationRule(true, `${destination} is allowed for ${evidence.labels.sensitivity ?? 'unlabelled'} artifacts${inheritanceCleared ? '' : ' and for its inputs'}`);
}

const destinationRule = (passed: boolean, message: string): RuleResult => ({ id: 'destination', type: 'destination', severity: 'deny', passed, message, path: 'labels.sensitivity' });

/** The destination rule for what travels with the subject: every labelled manifest of an index or the referrers graph. */
async function carriedResult(target: ReadOnlyTarget, subject: Descriptor, policy: Policy, destination: string, graph: CarriedGraph): Promise<RuleResult> {
  const rule = (passed: boolean, message: string): RuleResult => ({ id: 'destination-carried', type: 'destination', severity: 'deny', passed, message, path: 'subject' });
  const carried = await carriedLabels(target, subject, graph);
  if (!carried.complete) return rule(false, 'the move carries more manifests than can be judged: refused');
  for (const { digest, sensitivity } of carried.labels) {
    const verdict = destinationVerdict(policy, sensitivity, destination);
    if (!verdict.passed) return rule(false, `it carries ${digest}, labelled ${sensitivity}: ${verdict.message}`);
  }
  return rule(true, carried.labels.length === 0 ? 'it carries no other labelled manifest' : `every labelled manifest it carries may go to ${destination}`);
}

function withResult(decision: Decision, result: RuleResult): Decision {
  const results = [...decision.results, result];
  const failed = results.filter((r) => !r.passed);
  const violations = [...failed.filter((r) => r.severity === 'deny'), ...failed.filter((r) => r.severity === 'warn')];
  return { ...decision, results, violations, allow: failed.every((r) => r.severity === 'warn') };
}

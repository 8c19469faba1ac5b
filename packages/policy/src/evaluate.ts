import { PREDICATE_TYPES } from '@sealpack/signing/verify';
import parseSpdxExpression from 'spdx-expression-parse';
import { CEL_STEP_BUDGET, celCost, parseBoundedCel, widestCollection } from './cel-cost.ts';
import { PolicyError } from './errors.ts';
import type { AttestationEvidence, Evidence, SignatureEvidence } from './evidence.ts';
import type { Policy, Rule } from './policy-file.ts';
import { matchesPattern } from './patterns.ts';

export const DECISION_SCHEMA = 'https://sealpack.dev/policy/decision/v1';
const PROV_PREDICATE = PREDICATE_TYPES.prov;
const SBOM_PREDICATES = [PREDICATE_TYPES.spdx, PREDICATE_TYPES.cyclonedx];

export interface RuleResult {
  id: string;
  /**
   * The rule's type; `revocation` is the built-in check no policy can leave out, `destination` the
   * judge's check of where the artifact is going.
   */
  type: Rule['type'] | 'revocation' | 'destination';
  severity: 'deny' | 'warn';
  passed: boolean;
  message: string;
  /** The evidence the rule looked at, as a path into the Evidence object. */
  path: string;
  /** For a signature or attestation rule: the distinct signers it counted (whose verified evidence matched). */
  signers?: SignerSeen[];
}

/** One signer as rules tell signers apart: the verifying key, else a certificate's identity and issuer. */
export interface SignerSeen {
  keyId?: string;
  identity?: string;
  issuer?: string;
}

export interface Decision {
  schema: typeof DECISION_SCHEMA;
  policy: string;
  environment: string | undefined;
  subject: string;
  allow: boolean;
  results: RuleResult[];
  /** The failed results: denies first, then warnings. */
  violations: RuleResult[];
}

interface Outcome {
  passed: boolean;
  message: string;
  signers?: SignerSeen[];
}
type Check = (evidence: Evidence, now: number) => Outcome;
interface CompiledRule {
  rule: Rule;
  path: string;
  check: Check;
}

/** A policy made ready for one environment: rules merged with the environment's overrides, CEL parsed once. */
export interface CompiledPolicy {
  readonly name: string;
  readonly environment: string | undefined;
  evaluate(evidence: Evidence, now?: Date): Decision;
}

/**
 * Compiles a policy for an environment (its overrides merged by rule id; an unknown environment
 * is an error, never a silent fall back to the defaults), parsing every CEL expression up front.
 */
export function compilePolicy(policy: Policy, environment?: string): CompiledPolicy {
  // Own keys only: `--env constructor` names no environment, not Object.prototype.constructor.
  const overrides = environment === undefined ? [] : Object.hasOwn(policy.environments, environment) ? policy.environments[environment]?.rules : undefined;
  if (overrides === undefined) {
    throw new PolicyError('INVALID_POLICY', `the policy ${policy.metadata.name} has no environment ${environment}; it has ${Object.keys(policy.environments).join(', ') || 'none'}`);
  }
  const rules: CompiledRule[] = [];
  for (const base of policy.rules) {
    const override = overrides.find((o) => o.id === base.id);
    if (override?.disabled === true) continue;
    const { disabled: _disabled, ...params } = override ?? {};
    const merged = { ...base, ...params, id: base.id, type: base.type } as Rule;
    rules.push(compileRule(merged, policy));
  }
  return {
    name: policy.metadata.name,
    environment,
    evaluate(evidence, now = new Date()) {
      const at = now.getTime();
      const revoked = evidence.revocations[0];
      // Built in, and first: a revocation that verifies denies whatever the policy says.
      const revocation: RuleResult =
        revoked === undefined
          ? { id: 'not-revoked', type: 'revocation', severity: 'deny', passed: true, message: 'no verified revocation', path: 'revocations' }
          : {
              id: 'not-revoked',
              type: 'revocation',
              severity: 'deny',
              passed: false,
              message: `revoked${revoked.signer === undefined ? '' : ` by ${revoked.signer}`}: ${revoked.reason}`,
              path: 'revocations',
            };
      const results = [
        revocation,
        ...rules.map(({ rule, path, check }) => {
          let outcome: Outcome;
          try {
            outcome = check(evidence, at);
          } catch (error) {
            // Fail closed: a rule that cannot decide denies, whatever its severity.
            return { id: rule.id, type: rule.type, severity: 'deny' as const, passed: false, message: `evaluation error: ${(error as Error).message}`, path };
          }
          const result: RuleResult = { id: rule.id, type: rule.type, severity: rule.severity, passed: outcome.passed, message: outcome.message, path };
          return outcome.signers === undefined ? result : { ...result, signers: outcome.signers };
        }),
      ];
      const failed = results.filter((r) => !r.passed);
      const violations = [...failed.filter((r) => r.severity === 'deny'), ...failed.filter((r) => r.severity === 'warn')];
      return { schema: DECISION_SCHEMA, policy: policy.metadata.name, environment, subject: evidence.subject.digest, allow: failed.every((r) => r.severity === 'warn'), results, violations };
    },
  };
}

function compileRule(rule: Rule, policy: Policy): CompiledRule {
  switch (rule.type) {
    case 'digestPinned':
      return {
        rule,
        path: 'subject.pinned',
        check: (e) => (e.subject.pinned ? pass(`pinned to ${e.subject.digest}`) : fail(`${e.subject.reference} names a tag, not a digest: what was checked may not be what is used`)),
      };
    case 'signatures': {
      const trusted = signerMatcher(rule.id, rule.signers);
      return {
        rule,
        path: 'signatures',
        check: (e) => {
          const good = e.signatures.filter((s) => s.valid && trusted(s));
          const signers = distinctSigners(good);
          const counted = `${plural(signers.length, 'distinct signer')} (${plural(good.length, 'valid signature')})`;
          if (signers.length >= rule.minimum) return { ...pass(`${counted}${describeSigners(good)}`), signers };
          const why =
            e.signatures.length === 0
              ? 'no signature attached'
              : good.length > 0
                ? counted
                : `${e.signatures.filter((s) => s.valid).length} valid of ${e.signatures.length}${firstReason(e.signatures)}`;
          const distinct = rule.minimum > 1 ? ' by distinct signers' : '';
          return { ...fail(`needs ${rule.minimum} valid signature(s)${distinct}${rule.signers === undefined ? '' : ' from the trusted signers'}: ${why}`), signers };
        },
      };
    }
    case 'attestation': {
      const trusted = signerMatcher(rule.id, rule.signers);
      return {
        rule,
        path: 'attestations',
        check: (e) => {
          const ofType = e.attestations.filter((a) => a.predicateType === rule.predicateType);
          const good = ofType.filter((a) => a.valid && trusted(a));
          const signers = distinctSigners(good);
          const counted = `${plural(signers.length, 'distinct signer')} (${good.length} verified)`;
          if (signers.length >= rule.minimum) return { ...pass(`${good.length} verified ${rule.predicateType} attestation(s), ${plural(signers.length, 'distinct signer')}`), signers };
          if (good.length > 0) return { ...fail(`needs ${rule.minimum} verified ${rule.predicateType} attestation(s) by distinct signers: ${counted}`), signers };
          return fail(ofType.length === 0 ? `no ${rule.predicateType} attestation attached` : `no ${rule.predicateType} attestation verifies${firstReason(ofType)}`);
        },
      };
    }
    case 'sbomWhenSoftware':
      return {
        rule,
        path: 'attestations',
        check: (e) => {
          const software = e.subject.artifactType !== undefined && rule.softwareArtifactTypes.some((p) => matchesPattern(p, e.subject.artifactType as string));
          if (!software) return pass(`${e.subject.artifactType ?? 'no artifact type'}: not built software, no SBOM needed`);
          return e.attestations.some((a) => a.valid && SBOM_PREDICATES.includes(a.predicateType))
            ? pass('a verified SBOM attestation')
            : fail(`${e.subject.artifactType} is built software and has no verified SBOM (SPDX or CycloneDX) attestation`);
        },
      };
    case 'license':
      return {
        rule,
        path: 'labels.license',
        check: (e) => {
          const license = e.labels.license;
          if (license === undefined) return fail('no license label (org.opencontainers.image.licenses)');
          return licenseAllowed(license, rule.allow) ? pass(`${license} is allowed`) : fail(`${license} is not within the allowed licenses (${rule.allow.join(', ')})`);
        },
      };
    case 'sensitivity':
      return {
        rule,
        path: 'labels.sensitivity',
        check: (e) => {
          const label = e.labels.sensitivity;
          if (label === undefined) return fail('no sensitivity label (dev.sealpack.sensitivity)');
          if (!policy.sensitivityLevels.includes(label)) return fail(`${label} is not a sensitivity level of this policy (${policy.sensitivityLevels.join(' < ')})`);
          return rule.allow.includes(label) ? pass(`${label} is allowed here`) : fail(`${label} is not allowed here (allowed: ${rule.allow.join(', ')})`);
        },
      };
    case 'careLabels':
      return {
        rule,
        path: 'labels.care',
        check: (e) => {
          if (!Object.hasOwn(e.subject.annotations, rule.whenAnnotation) || e.subject.annotations[rule.whenAnnotation] !== 'true')
            return pass(`not community-governed content (${rule.whenAnnotation})`);
          const care = e.labels.care ?? [];
          if (care.length === 0) return fail('community-governed content without CARE labels (dev.sealpack.care)');
          const missing = rule.required.filter((label) => !care.includes(label));
          return missing.length === 0 ? pass(`CARE labels: ${care.join(', ')}`) : fail(`CARE labels missing: ${missing.join(', ')}`);
        },
      };
    case 'mediaTypes':
      return {
        rule,
        path: 'subject.files',
        check: (e) => {
          const refused = e.subject.files.filter((f) => !rule.allow.some((p) => matchesPattern(p, f.mediaType)));
          return refused.length === 0
            ? pass(`${e.subject.files.length} file(s) of allowed media types`)
            : fail(`media types not allowed: ${refused.map((f) => `${f.name} (${f.mediaType})`).join(', ')}`);
        },
      };
    case 'maxAge':
      return {
        rule,
        path: 'subject.created',
        check: (e, now) => {
          const created = e.subject.created === undefined ? Number.NaN : Date.parse(e.subject.created);
          if (Number.isNaN(created)) return fail('no creation time (org.opencontainers.image.created) to judge the age by');
          const days = (now - created) / 86_400_000;
          return days <= rule.days ? pass(`${Math.floor(days)} day(s) old`) : fail(`${Math.floor(days)} days old, over ${rule.days}`);
        },
      };
    case 'requiredAnnotations':
      return {
        rule,
        path: 'subject.annotations',
        check: (e) => {
          const missing = rule.keys.filter((key) => !Object.hasOwn(e.subject.annotations, key) || e.subject.annotations[key] === '');
          return missing.length === 0 ? pass('all required annotations present') : fail(`missing annotations: ${missing.join(', ')}`);
        },
      };
    case 'sensitivityInheritance': {
      const declassifier = rule.declassifiers.length === 0 ? () => false : signerMatcher(rule.id, rule.declassifiers);
      return { rule, path: 'lineage.inputs', check: (e) => checkInheritance(e, policy.sensitivityLevels, declassifier) };
    }
    case 'cel': {
      let expression: ReturnType<typeof parseBoundedCel>;
      try {
        expression = parseBoundedCel(rule.expression);
      } catch (error) {
        throw new PolicyError('INVALID_POLICY', `rule ${rule.id}: the CEL expression does not parse: ${(error as Error).message.split('\n')[0]}`, { cause: error });
      }
      return {
        rule,
        path: 'cel',
        check: (e) => {
          const context = { subject: e.subject, signatures: e.signatures, attestations: e.attestations, labels: e.labels, lineage: e.lineage };
          // Before it runs: an expression that could take more steps than the budget on this
          // evidence (nested comprehensions over many files) is a deny, not a hung gate.
          const widest = widestCollection(context, expression.ast);
          const cost = celCost(expression.ast, widest);
          if (cost > CEL_STEP_BUDGET) throw new Error(`over the CEL cost budget: up to ${cost} steps over collections of ${widest} items, more than ${CEL_STEP_BUDGET}`);
          const value = expression(context);
          if (typeof value !== 'boolean') throw new Error(`the expression gave ${typeof value}, not a boolean`);
          return value ? pass(rule.message === undefined ? 'the expression holds' : `holds: ${rule.message}`) : fail(rule.message ?? `${rule.expression} is false`);
        },
      };
    }
  }
}

const pass = (message: string) => ({ passed: true, message });
const fail = (message: string) => ({ passed: false, message });

function firstReason(items: ReadonlyArray<{ valid: boolean; reason?: string }>): string {
  const reason = items.find((i) => !i.valid)?.reason;
  return reason === undefined ? '' : ` (${reason})`;
}

function describeSigners(items: ReadonlyArray<SignatureEvidence>): string {
  const who = [...new Set(items.map((s) => s.identity ?? (s.keyId === undefined ? undefined : `key ${s.keyId}`)).filter((w): w is string => w !== undefined))];
  return who.length === 0 ? '' : ` by ${who.join(', ')}`;
}

const plural = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;

/**
 * The distinct signers of some verified evidence: `minimum: 2` asks for two signers, and one key
 * (or one identity from one issuer) signing twice is one. The key id is the verifying key's own
 * (the signing package derives it from the key, not from the bundle's hint), so it cannot be
 * varied by the signer. Evidence that names neither key nor identity counts as one signer
 * together: such signers cannot be told apart, so they are not assumed to differ.
 */
function distinctSigners(items: ReadonlyArray<SignatureEvidence | AttestationEvidence>): SignerSeen[] {
  const seen = new Map<string, SignerSeen>();
  for (const item of items) {
    const signer: SignerSeen =
      item.keyId !== undefined ? { keyId: item.keyId } : item.identity !== undefined ? { identity: item.identity, ...(item.issuer === undefined ? {} : { issuer: item.issuer }) } : {};
    seen.set(JSON.stringify([signer.keyId, signer.identity, signer.issuer]), signer);
  }
  return [...seen.values()];
}

type Signer = NonNullable<Extract<Rule, { type: 'signatures' }>['signers']>[number];

/**
 * Whether a verified signature or attestation came from one of the trusted signers (any, when none
 * is listed). The patterns are compiled once, with the policy: a bad one is a policy error then,
 * not a crash at the first evaluation. A pattern matches the whole identity or issuer, as if
 * written `^(?:…)$`: `https://github.com/org/.*` must not pass an identity that merely contains
 * it (`https://evil.example/?https://github.com/org/x`); an author who wants a substring match
 * writes `.*` on both sides. (cosign's `--certificate-identity-regexp` is unanchored; the CLI
 * flag keeps that meaning, a policy file does not.)
 */
function signerMatcher(ruleId: string, signers: readonly Signer[] | undefined): (item: SignatureEvidence | AttestationEvidence) => boolean {
  if (signers === undefined || signers.length === 0) return () => true;
  const pattern = (text: string | undefined, field: string): RegExp => {
    try {
      // Compiled alone first: a pattern that is valid by itself has balanced groups, so wrapping
      // it cannot let an alternation (`a|b`) or a stray `)` escape the anchors.
      new RegExp(text as string);
      return new RegExp(`^(?:${text})$`);
    } catch (error) {
      throw new PolicyError('INVALID_POLICY', `rule ${ruleId}: ${field} ${text} is not a regular expression`, { cause: error });
    }
  };
  const matchers = signers.map((s) => {
    if (s.keyId !== undefined) {
      const keyId = s.keyId;
      return (item: SignatureEvidence | AttestationEvidence) => item.keyId === keyId;
    }
    const identity = s.identity !== undefined ? undefined : pattern(s.identityRegexp, 'identityRegexp');
    const issuer = s.issuer !== undefined ? undefined : pattern(s.issuerRegexp, 'issuerRegexp');
    return (item: SignatureEvidence | AttestationEvidence) =>
      item.identity !== undefined &&
      (identity === undefined ? item.identity === s.identity : identity.test(item.identity)) &&
      (issuer === undefined ? item.issuer === s.issuer : issuer.test(item.issuer ?? ''));
  });
  return (item) => matchers.some((matches) => matches(item));
}

type SpdxNode = ReturnType<typeof parseSpdxExpression>;

/** An SPDX expression is allowed when it can be satisfied by allowed licenses alone (OR: either side; AND: both). */
function licenseAllowed(expression: string, allow: readonly string[]): boolean {
  if (allow.includes(expression)) return true;
  let tree: SpdxNode;
  try {
    tree = parseSpdxExpression(expression);
  } catch {
    return false;
  }
  const ok = (node: SpdxNode): boolean => {
    if ('license' in node) return allow.includes(node.license) && (node.exception === undefined || allow.includes(`${node.license} WITH ${node.exception}`));
    return node.conjunction === 'or' ? ok(node.left) || ok(node.right) : ok(node.left) && ok(node.right);
  };
  return ok(tree);
}

/**
 * Derived data inherits the most restrictive label of its inputs: a subject labelled lower than an
 * input is a violation, unless a verified PROV attestation by a trusted declassifier records a
 * declassifying activity (a `declassification` parameter, e.g. coordinates generalised).
 */
function checkInheritance(e: Evidence, levels: readonly string[], declassifier: (item: AttestationEvidence) => boolean) {
  const rank = (label: string | undefined) => (label === undefined ? -1 : levels.indexOf(label));
  const own = e.labels.sensitivity;
  if (own === undefined || rank(own) < 0) return fail(`the subject's sensitivity ${own ?? '(none)'} is not a level of this policy`);
  // Fail closed: an input whose label is unknown may be the most restrictive of all.
  const unlabelled = e.lineage.inputs.find((i) => i.sensitivity === undefined);
  if (unlabelled !== undefined) return fail(`input ${unlabelled.id} has no sensitivity label that could be read`);
  const unknown = e.lineage.inputs.find((i) => rank(i.sensitivity) < 0);
  if (unknown !== undefined) return fail(`input ${unknown.id} has sensitivity ${unknown.sensitivity}, not a level of this policy`);
  const stricter = e.lineage.inputs.filter((i) => rank(i.sensitivity) > rank(own));
  if (stricter.length === 0) return pass(`${own} is at least as restrictive as every input`);
  const declassified = e.attestations.some((a) => a.valid && a.predicateType === PROV_PREDICATE && declassifier(a) && recordsDeclassification(a.predicate));
  const worst = stricter.map((i) => `${i.id} (${i.sensitivity})`).join(', ');
  return declassified
    ? pass(`${own} below its inputs (${worst}), declassified by a trusted, signed activity`)
    : fail(`labelled ${own}, lower than its inputs ${worst}, with no trusted declassification`);
}

/**
 * Whether a verified PROV attestation records a declassification by a declassifier the policy's
 * inheritance rules trust: then the artifact's own label stands, whatever its inputs'. None when
 * the policy has no such rule (nothing can be declassified under it).
 */
export function trustedDeclassification(
  policy: Policy,
): (attestation: { valid: boolean; predicateType?: string | undefined; keyId?: string | undefined; identity?: string | undefined; issuer?: string | undefined; predicate?: unknown }) => boolean {
  const matchers = policy.rules.flatMap((rule) => (rule.type === 'sensitivityInheritance' && rule.declassifiers.length > 0 ? [signerMatcher(rule.id, rule.declassifiers)] : []));
  if (matchers.length === 0) return () => false;
  return (a) => a.valid && a.predicateType === PROV_PREDICATE && matchers.some((m) => m(a as AttestationEvidence)) && recordsDeclassification(a.predicate);
}

/** A PROV document whose activity records a `declassification` parameter. */
function recordsDeclassification(predicate: unknown): boolean {
  const graph = (predicate as { '@graph'?: unknown })?.['@graph'];
  if (!Array.isArray(graph)) return false;
  return graph.some((node) => {
    const parameters = (node as { parameter?: unknown })?.parameter;
    return Array.isArray(parameters) && parameters.some((p) => (p as { key?: unknown })?.key === 'declassification' && typeof (p as { value?: unknown }).value === 'string');
  });
}

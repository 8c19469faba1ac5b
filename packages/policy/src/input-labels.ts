import { parseManifest, parseReference, type ReadOnlyTarget, type Reference } from '@sealpack/oci-client';
import { type BundleVerdict, verifyEveryAttached, type VerifyPolicy } from '@sealpack/signing/verify';
import { namedInputs, PROVENANCE_TYPES } from './provenance-inputs.ts';

/** How the judge reaches an artifact that a verified PROV names: the caller's opener, with its own credential rules. */
export type OpenInput = (ref: Reference) => Promise<ReadOnlyTarget>;

/** The manifest annotation that carries an artifact's sensitivity label (part of the digest-pinned manifest). */
export const SENSITIVITY_ANNOTATION = 'dev.sealpack.sensitivity';

/**
 * The artifact a PROV entity id names (`oci://HOST/REPO@sha256:…`, `ocidir://DIR@sha256:…`), or
 * none for an id that names no artifact (a file's `urn:sha256:…`, a URL).
 */
export function referenceOfProvId(id: string): Reference | undefined {
  try {
    return parseReference(id.replace(/^oci:\/\//, ''));
  } catch {
    return undefined;
  }
}

/** What the judge learnt of an input's label: read (labelled or not), or not readable at all. */
export interface InputLabel {
  readable: boolean;
  sensitivity?: string;
}

/** How far the judge follows an input's own inputs through their verified provenance. */
const MAX_LINEAGE_DEPTH = 8;

export interface InputLabelOptions {
  /**
   * The key or identity an input's own provenance must verify under for its inputs to count: with
   * it, an input's label is the strictest of its own and its inputs' (at any depth), so restricted
   * data laundered through an unlabelled step is still restricted. Without it, its own label only.
   */
  verifyPolicy?: VerifyPolicy;
  /** The lattice that orders labels, least restrictive first; a label outside it counts as stricter than all. */
  levels?: readonly string[];
  /** A verified attestation that declassifies the input (its own label then stands). */
  declassified?: (verdict: BundleVerdict) => boolean;
}

/**
 * The sensitivity label of an input a verified PROV names: the annotation of that artifact's
 * manifest, read by its digest (the manifest is content-addressed, so the label is as trustworthy
 * as the PROV that pinned it), and with a key, the strictest label of the inputs its own verified
 * provenance names, unless it was declassified by a trusted signer. An input that cannot be read
 * (or whose lineage cannot be) is `readable: false`, which every rule counts against the subject.
 */
export function inputLabelReader(open: OpenInput, options: InputLabelOptions = {}): (id: string) => Promise<InputLabel> {
  const done = new Map<string, InputLabel>();
  const labelOf = async (id: string, depth: number, path: ReadonlySet<string>): Promise<InputLabel> => {
    const known = done.get(id);
    if (known !== undefined) return known;
    const label = await readLabel(open, options, id, depth, (next) => (path.has(next) ? Promise.resolve({ readable: true }) : labelOf(next, depth - 1, new Set([...path, next]))));
    done.set(id, label);
    return label;
  };
  return (id) => labelOf(id, MAX_LINEAGE_DEPTH, new Set([id]));
}

async function readLabel(open: OpenInput, options: InputLabelOptions, id: string, depth: number, ancestor: (id: string) => Promise<InputLabel>): Promise<InputLabel> {
  const ref = referenceOfProvId(id);
  // An input named by a tag is whatever the tag names today, not what the run used: unknown.
  if (ref === undefined || ref.digest === undefined) return { readable: false };
  try {
    const target = await open(ref);
    const descriptor = await target.resolve(ref.digest);
    const parsed = parseManifest(await target.fetchManifest(descriptor), descriptor.mediaType);
    const annotations = parsed.manifest.annotations as Record<string, string> | undefined;
    const own = annotations !== undefined && Object.hasOwn(annotations, SENSITIVITY_ANNOTATION) ? annotations[SENSITIVITY_ANNOTATION] : undefined;
    if (options.verifyPolicy === undefined || options.levels === undefined) return { readable: true, ...(own === undefined ? {} : { sensitivity: own }) };
    const provenance = (await verifyEveryAttached(target, descriptor, options.verifyPolicy)).filter((v) => v.valid && v.predicateType !== undefined && PROVENANCE_TYPES.has(v.predicateType));
    if (provenance.some((v) => options.declassified?.(v) === true)) return { readable: true, ...(own === undefined ? {} : { sensitivity: own }) };
    let strictest = own;
    for (const verdict of provenance) {
      const named = namedInputs(verdict, descriptor.digest);
      // Fail closed: lineage deeper than the judge follows, or written in a way it cannot read, is unknown.
      if (named.uninterpreted.length > 0 || (named.ids.length > 0 && depth <= 0)) return { readable: false };
      for (const next of named.ids) {
        const label = await ancestor(next);
        if (!label.readable) return { readable: false };
        strictest = stricter(options.levels, strictest, label.sensitivity);
      }
    }
    return { readable: true, ...(strictest === undefined ? {} : { sensitivity: strictest }) };
  } catch {
    return { readable: false };
  }
}

/** The more restrictive of two labels (none is the least; one outside the lattice the most). */
function stricter(levels: readonly string[], a: string | undefined, b: string | undefined): string | undefined {
  const rank = (label: string | undefined) => (label === undefined ? -1 : levels.includes(label) ? levels.indexOf(label) : levels.length);
  return rank(b) > rank(a) ? b : a;
}

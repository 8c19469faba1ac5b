import { ProvenanceError } from './errors.ts';
import { parseProvDocument } from './prov/parse.ts';

/** A PROV document attested for an artifact, and whether its signature verified under the caller's policy. */
export interface AttestedProv {
  document: unknown;
  verified: boolean;
  /** Who signed it (verified), or why it did not verify. */
  note?: string;
}

/**
 * Where lineage comes from: the PROV documents attested for an artifact, found by its digest.
 * The CLI implements it with the transport and the signing package (verified PROV attestations);
 * tests and other tools may implement it any way they like.
 */
export interface ProvReader {
  provenanceOf(artifact: string): Promise<AttestedProv[]>;
}

export type LineageNodeKind = 'artifact' | 'file' | 'url' | 'other';

export interface LineageNode {
  id: string;
  kind: LineageNodeKind;
  /** Hops from the root. */
  depth: number;
  /**
   * For an artifact that was looked at: `verified` (a PROV attestation verified and was followed),
   * `unverified` (PROV exists but none verified; followed only when allowed), `none` (no PROV).
   */
  evidence?: 'verified' | 'unverified' | 'none';
  /** Who signed the PROV followed, or why none verified. */
  note?: string;
  /** An artifact beyond the depth limit: its own sources were not looked up. */
  truncated?: boolean;
}

export interface LineageEdge {
  /** The derived entity. */
  from: string;
  /** What it came from. */
  to: string;
  /** Whether the PROV that says so verified. */
  verified: boolean;
}

export interface LineageGraph {
  root: string;
  nodes: LineageNode[];
  edges: LineageEdge[];
}

export interface LineageOptions {
  /** Hops to follow from the root (default 8). */
  maxDepth?: number;
  /** Follow PROV documents whose signature did not verify (they are marked either way). */
  allowUnverified?: boolean;
}

/**
 * Walks from an artifact to its inputs and from those to theirs, breadth first, through the
 * PROV documents `reader` finds for each artifact: an edge for every source an artifact's PROV
 * names (what it was derived from, what the activity that generated it used). Artifacts are
 * matched by digest, so a copy in another registry is the same node; each is looked up once, so
 * cycles end. Unsigned or unverifiable PROV is marked and, unless allowed, not followed: lineage is
 * evidence only when it is signed.
 */
export async function walkLineage(root: string, reader: ProvReader, options: LineageOptions = {}): Promise<LineageGraph> {
  const maxDepth = options.maxDepth ?? 8;
  if (!Number.isInteger(maxDepth) || maxDepth < 0) throw new ProvenanceError('INVALID_DOCUMENT', `the depth limit must be a whole number >= 0, not ${maxDepth}`);
  const nodes = new Map<string, LineageNode>();
  const edges: LineageEdge[] = [];
  const edgeKeys = new Set<string>();
  const rootKey = nodeKey(root);
  nodes.set(rootKey, { id: root, kind: kindOf(root), depth: 0 });
  let frontier = [rootKey];
  for (let depth = 0; frontier.length > 0; depth++) {
    const next: string[] = [];
    for (const key of frontier) {
      const node = nodes.get(key) as LineageNode;
      if (node.kind !== 'artifact') continue;
      if (depth >= maxDepth) {
        node.truncated = true;
        continue;
      }
      const documents = await reader.provenanceOf(node.id);
      const verified = documents.filter((d) => d.verified);
      const followed = verified.length > 0 ? verified : options.allowUnverified === true ? documents : [];
      node.evidence = documents.length === 0 ? 'none' : verified.length > 0 ? 'verified' : 'unverified';
      const note = (verified[0] ?? documents[0])?.note;
      if (note !== undefined) node.note = note;
      for (const attested of followed) {
        for (const source of sourcesOf(attested.document, node.id)) {
          const sourceKey = nodeKey(source);
          if (sourceKey === key) continue;
          const edgeKey = `${key}\n${sourceKey}`;
          if (!edgeKeys.has(edgeKey)) {
            edgeKeys.add(edgeKey);
            edges.push({ from: node.id, to: nodes.get(sourceKey)?.id ?? source, verified: attested.verified });
          }
          if (!nodes.has(sourceKey)) {
            nodes.set(sourceKey, { id: source, kind: kindOf(source), depth: depth + 1 });
            next.push(sourceKey);
          }
        }
      }
    }
    frontier = next;
  }
  return { root, nodes: [...nodes.values()], edges };
}

/**
 * The sources a PROV document gives for the entity with this artifact's digest; when it names no
 * such entity (its output is a file's `urn:sha256:`, or another tool's IRI), every input it names:
 * the attestation's signed subject is what binds the document to the artifact.
 */
function sourcesOf(document: unknown, artifact: string): string[] {
  const parsed = parseProvDocument(document);
  const digest = digestNamed(artifact);
  const entity = [...parsed.nodes.keys()].find((id) => (digest === undefined ? id === artifact : digestNamed(id) === digest));
  if (entity !== undefined) return parsed.sourcesOf(entity);
  return parsed.inputs().filter((id) => digest === undefined || digestNamed(id) !== digest);
}

/** The sha256 an id names: `urn:sha256:<hex>` or an `oci://…@sha256:<hex>` / `ocidir://…@sha256:<hex>` ref. */
function digestNamed(id: string): string | undefined {
  return /^urn:sha256:([a-f0-9]{64})$/.exec(id)?.[1] ?? /^oci(?:dir)?:\/\/[^\s@]+@sha256:([a-f0-9]{64})$/.exec(id)?.[1];
}

/** Artifacts are one node per digest, wherever they live; everything else one node per id. */
function nodeKey(id: string): string {
  const digest = digestNamed(id);
  return digest !== undefined && id.startsWith('oci') ? `artifact:${digest}` : id;
}

function kindOf(id: string): LineageNodeKind {
  if (/^oci(?:dir)?:\/\/[^\s@]+@sha256:[a-f0-9]{64}$/.test(id)) return 'artifact';
  if (id.startsWith('urn:sha256:')) return 'file';
  if (/^https?:\/\//.test(id)) return 'url';
  return 'other';
}

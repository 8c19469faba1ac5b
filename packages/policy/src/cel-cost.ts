import { Environment, type ParseResult } from '@marcbachmann/cel-js';

/**
 * Bounds for a policy's CEL: the parser's structural limits (cel-js has them; the defaults are
 * the CEL spec's minimums, 100,000 AST nodes, far more than a rule needs), and an evaluation
 * budget in steps. cel-js has no evaluation cost limit, so the cost is estimated before each
 * evaluation, as cel-go's static cost estimator does (https://github.com/google/cel-spec/blob/master/doc/langdef.md#performance):
 * every node costs one step, and the body of a comprehension (`all`, `exists`, `exists_one`,
 * `map`, `filter`) costs its steps once per element of the largest list or map the evidence
 * holds. Steps, not wall time: the same policy and evidence always decide the same way.
 */
const LIMITS = { maxAstNodes: 2_000, maxDepth: 32, maxListElements: 256, maxMapEntries: 256, maxCallArguments: 16 };
export const CEL_STEP_BUDGET = 1_000_000;

const COMPREHENSIONS = new Set(['all', 'exists', 'exists_one', 'map', 'filter']);

/** Parses a CEL expression under the structural limits; a ParseError names what was exceeded. */
export function parseBoundedCel(expression: string): ParseResult {
  return new Environment({ unlistedVariablesAreDyn: true, limits: LIMITS }).parse(expression);
}

/** An upper bound on the steps evaluating `ast` can take when no collection has more than `widest` items. */
export function celCost(ast: unknown, widest: number): number {
  if (Array.isArray(ast)) return ast.reduce((sum: number, item) => sum + celCost(item, widest), 0);
  if (!isNode(ast)) return 0;
  const args = ast.args;
  if (ast.op === 'rcall' && Array.isArray(args) && typeof args[0] === 'string' && COMPREHENSIONS.has(args[0])) {
    return 1 + celCost(args[1], widest) + Math.max(widest, 1) * celCost(args[2], widest);
  }
  return 1 + celCost(args, widest);
}

/** The most items any list or map in the evidence, or any literal in the expression, has: what a comprehension can iterate over. */
export function widestCollection(value: unknown, ast: unknown): number {
  let widest = widestLiteral(ast);
  const visit = (item: unknown): void => {
    if (typeof item !== 'object' || item === null) return;
    const members = Array.isArray(item) ? item : Object.values(item);
    widest = Math.max(widest, members.length);
    for (const member of members) visit(member);
  };
  visit(value);
  return widest;
}

function widestLiteral(ast: unknown): number {
  if (Array.isArray(ast)) return Math.max(0, ...ast.map(widestLiteral));
  if (!isNode(ast)) return 0;
  const own = (ast.op === 'list' || ast.op === 'map') && Array.isArray(ast.args) ? ast.args.length : 0;
  return Math.max(own, widestLiteral(ast.args));
}

const isNode = (value: unknown): value is { op: string; args: unknown } => typeof value === 'object' && value !== null && 'op' in value && 'args' in value;

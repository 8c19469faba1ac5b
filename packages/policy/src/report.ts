import type { Decision } from './evaluate.ts';

/** A decision as a table for a terminal: ✔ / ✘ / ! (a warning) per rule, then the verdict. */
export function decisionTable(decision: Decision): string {
  const width = Math.max(4, ...decision.results.map((r) => r.id.length));
  const lines = decision.results.map((r) => `${r.passed ? '✔' : r.severity === 'warn' ? '!' : '✘'} ${r.id.padEnd(width)}  ${r.message}`);
  const env = decision.environment === undefined ? '' : ` (${decision.environment})`;
  lines.push(`${decision.allow ? 'ALLOW' : 'DENY'}  ${decision.subject} under policy ${decision.policy}${env}`);
  return lines.join('\n');
}

const xml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** JUnit XML for CI systems: a test case per rule, a failure per deny, skipped-with-message per warning. */
export function decisionJUnit(decision: Decision): string {
  const failures = decision.results.filter((r) => !r.passed && r.severity === 'deny').length;
  const name = `sealpack policy ${decision.policy}${decision.environment === undefined ? '' : ` (${decision.environment})`}`;
  const cases = decision.results.map((r) => {
    const body = r.passed ? '' : r.severity === 'warn' ? `<skipped message="${xml(r.message)}"/>` : `<failure message="${xml(r.message)}" type="${xml(r.type)}">${xml(r.path)}</failure>`;
    return `    <testcase classname="${xml(decision.subject)}" name="${xml(r.id)}">${body}</testcase>`;
  });
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="${xml(name)}" tests="${decision.results.length}" failures="${failures}">`,
    `  <testsuite name="${xml(name)}" tests="${decision.results.length}" failures="${failures}">`,
    ...cases,
    '  </testsuite>',
    '</testsuites>',
  ].join('\n');
}

/**
 * What the topology tests use to write a design's text and read its problems: an edit that must
 * match exactly once, the 1-based position of a marker, and the issues the loader reports.
 */
import { expect } from 'vitest';
import { parseTopology, TopologyError, type TopologyIssue } from '../../src/topology/load.ts';

export function edit(text: string, from: string, to: string): string {
  expect(text.split(from)).toHaveLength(2);
  return text.replace(from, to);
}

/** 1-based line and column of `marker`, searching from the first `after`. */
export function positionOf(text: string, marker: string, after = ''): { line: number; column: number } {
  const offset = text.indexOf(marker, text.indexOf(after));
  expect(offset).toBeGreaterThanOrEqual(0);
  const before = text.slice(0, offset);
  return { line: before.split('\n').length, column: offset - before.lastIndexOf('\n') };
}

export function issuesOf(text: string): readonly TopologyIssue[] {
  try {
    parseTopology(text, 't.yaml');
  } catch (error) {
    if (error instanceof TopologyError) return error.issues;
    throw error;
  }
  return [];
}

export function onlyIssue(text: string): TopologyIssue {
  const issues = issuesOf(text);
  expect(issues).toHaveLength(1);
  return issues[0]!;
}

/** The one issue at `path`. */
export function issueAt(text: string, path: string): TopologyIssue {
  const matching = issuesOf(text).filter((issue) => issue.path === path);
  expect(matching).toHaveLength(1);
  return matching[0]!;
}

/**
 * Where each top-level section of a topology starts in its file (`pipeline` at line 40,
 * column 1), for reports that point into the file, such as SARIF. Pure: text in, positions out.
 */
import { TopologyFields } from './schema.ts';
import { lineCounterFor, locate, parseSource, sourceFormat } from './source.ts';

/** A 1-based line and column. */
export interface SourcePosition {
  readonly line: number;
  readonly column: number;
}

/** The key of each section present in `text` (read as `fileName`'s format); none if it does not parse. */
export function sectionPositions(text: string, fileName: string): Readonly<Record<string, SourcePosition>> {
  const format = sourceFormat(fileName);
  if (format === undefined) return {};
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const parsed = parseSource(body, format);
  if (!parsed.ok) return {};
  const lines = lineCounterFor(body);
  const positions: Record<string, SourcePosition> = {};
  for (const section of Object.keys(TopologyFields.shape)) {
    if (parsed.root.child(section) === undefined) continue;
    const { line, col } = lines.linePos(locate(parsed.root, [section], 'key'));
    positions[section] = { line, column: col };
  }
  return positions;
}

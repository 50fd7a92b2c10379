/**
 * The review as Markdown: the matrix as a table (✔, ✖ n, !, — per cell), then per topology its
 * assumptions and bound, each counterexample's numbered trace with the violating step marked
 * and its sequence diagram in a mermaid block, and the vacuous properties with their reason.
 */
import { describe, expect, it } from 'vitest';
import { renderSummaryMarkdown } from '../../src/render/summaryMarkdown.ts';
import { reviewEntries } from '../support/reviewEntries.ts';

describe('renderSummaryMarkdown', async () => {
  const entries = await reviewEntries();
  const markdown = renderSummaryMarkdown(entries, { timing: false });
  const lines = markdown.split('\n');

  it('opens with the counts and the matrix, one row per topology', () => {
    expect(lines[0]).toBe('# protmem review');
    expect(markdown).toContain('2 topologies, each checked with its own bounds: 1 pass, 1 violation.');
    const header = lines.find((line) => line.startsWith('| Topology |'))!;
    const columns = header.split(' | ').slice(1, -1);
    expect(columns[0]).toBe('pageHasSingleOwner');
    expect(columns).toContain('protectedBufferIntegrity');
    expect(header.endsWith('| Verdict |')).toBe(true);
    const rows = lines.filter((line) => /^\| (pkvm-guest-decrypt|carveout-sound) \|/.test(line));
    expect(rows).toHaveLength(2);
    const cell = (row: string, column: string) => row.split(' | ')[columns.indexOf(column) + 1];
    expect(cell(rows[0]!, 'plaintextNeverReachesUntrusted')).toBe('✖ 2');
    expect(cell(rows[0]!, 'protectedBufferIntegrity')).toBe('✖ 0');
    expect(cell(rows[0]!, 'scrubBeforeReuse')).toBe('!');
    expect(cell(rows[1]!, 'plaintextNeverReachesUntrusted')).toBe('✔');
    expect(cell(rows[1]!, 'pageHasSingleOwner')).toBe('—');
    expect(rows[0]!.endsWith('| 2 violated, 15 vacuous |')).toBe(true);
    expect(rows[1]!.endsWith('| pass |')).toBe(true);
  });

  it("lists each topology's assumptions and bound", () => {
    expect(markdown).toContain('## pkvm-guest-decrypt');
    expect(markdown).toContain('- pKVM, Android Common Kernel rules');
    expect(markdown).toContain('- IOMMU identity domain mirroring the host stage-2');
    expect(markdown).toMatch(
      /Bound: exhaustive search, max depth 6, max states 200,000; explored [\d,]+ distinct states, depth 6, bound reached/,
    );
    expect(markdown).not.toMatch(/\d ms|\d\.\d s\b/);
  });

  it('gives each counterexample as violations, replay, marked trace and sequence diagram', () => {
    const start = lines.indexOf('### ✖ plaintextNeverReachesUntrusted violated after 2 steps');
    expect(start).toBeGreaterThan(0);
    const section = lines.slice(start, lines.indexOf('```', lines.indexOf('```mermaid', start)) + 1);
    expect(section).toContain(
      '- **page guest-ram:1**: expected audience is decrypt, vdec, dpu; actual holds plaintext of stream "movie"; readable by dma-engine via DMA with no IOMMU translation [dma-engine]',
    );
    expect(
      section.find((line) =>
        line.startsWith('npx protmem check test/fixtures/pkvm-guest-decrypt.yaml --replay pm1.'),
      ),
    ).toBeDefined();
    expect(section).toContain(
      '1. decrypt writes ciphertext of movie into buffer ciphertext `WRITE_CIPHERTEXT`',
    );
    expect(section).toContain('2. ✖ decrypt decrypts movie from ciphertext into clear `CDM_DECRYPT`');
    const mermaid = section.slice(section.indexOf('```mermaid') + 1, -1);
    expect(mermaid[0]).toBe('sequenceDiagram');
    expect(
      mermaid.some((line) => line.includes('2. decrypt decrypts movie from ciphertext into clear')),
    ).toBe(true);
  });

  it('says why a property is vacuous', () => {
    expect(markdown).toContain(
      '- ! **pipelineReachable** vacuous: no run of the legitimate parties displays a frame of the stream within the bound',
    );
  });

  it('escapes Markdown in prose', () => {
    const escaped = renderSummaryMarkdown(
      [{ ...entries[1]!, description: 'a | b with <tags> and *stars*' }],
      { timing: false },
    );
    expect(escaped).toContain('a \\| b with \\<tags\\> and \\*stars\\*');
  });
});

/** The progress indicator: silent off a terminal and for short runs, throttled, erased at the end. */
import { describe, expect, it } from 'vitest';
import { createProgress, finishedLine, progressBar } from '../../src/cli/progress.ts';

function fakeTerminal(isTTY: boolean) {
  const written: string[] = [];
  return { stream: { isTTY, write: (text: string) => written.push(text) }, written };
}

describe('createProgress', () => {
  it('writes nothing when stderr is not a terminal', () => {
    const { stream, written } = fakeTerminal(false);
    let time = 0;
    const progress = createProgress(stream, () => time);
    time = 5000;
    progress.update({ done: 1, total: 2, phase: 'exhaustive' });
    progress.finish();
    expect(written).toEqual([]);
  });

  it('stays quiet during the first second, then redraws at most every 100 ms', () => {
    const { stream, written } = fakeTerminal(true);
    let time = 0;
    const progress = createProgress(stream, () => time);
    time = 999;
    progress.update({ done: 10, total: 1000, phase: 'exhaustive' });
    expect(written).toEqual([]);
    time = 1000;
    progress.update({ done: 20, total: 1000, phase: 'exhaustive' });
    time = 1050;
    progress.update({ done: 30, total: 1000, phase: 'exhaustive' });
    time = 1100;
    progress.update({ done: 2500, total: 10_000, phase: 'random' });
    expect(written).toEqual(['\r\x1b[2Kexhaustive: 20/1,000 (2%)', '\r\x1b[2Krandom: 2,500/10,000 (25%)']);
    progress.finish();
    expect(written.at(-1)).toBe('\r\x1b[2K');
  });

  it('erases nothing when it never drew', () => {
    const { stream, written } = fakeTerminal(true);
    const progress = createProgress(stream, () => 0);
    progress.update({ done: 1, total: 1, phase: 'exhaustive' });
    progress.finish();
    expect(written).toEqual([]);
  });
});

describe('progressBar', () => {
  it('fills its width in proportion, clamped to empty and full', () => {
    expect(progressBar(0, 10)).toBe('[----------]');
    expect(progressBar(0.34, 10)).toBe('[###-------]');
    expect(progressBar(1, 10)).toBe('[##########]');
    expect(progressBar(1.5, 4)).toBe('[####]');
    expect(progressBar(-1, 4)).toBe('[----]');
  });
});

describe('createProgress with a line format', () => {
  it('draws what the format makes of each update, with the same throttling', () => {
    const { stream, written } = fakeTerminal(true);
    let time = 0;
    const progress = createProgress(
      stream,
      () => time,
      undefined,
      ({ done, total, phase }) => {
        return `reviewing ${progressBar(done / total, 4)} ${phase}`;
      },
    );
    time = 1000;
    progress.update({ done: 1, total: 2, phase: '2/2 tzasc-sound' });
    time = 1050;
    progress.update({ done: 2, total: 2, phase: 'skipped' });
    expect(written).toEqual(['\r\x1b[2Kreviewing [##--] 2/2 tzasc-sound']);
  });
});

describe('printing a line through the indicator', () => {
  it('writes the line as it is off a terminal', () => {
    const { stream, written } = fakeTerminal(false);
    createProgress(stream, () => 0).print('[1/2] ✔ a  pass');
    expect(written).toEqual(['[1/2] ✔ a  pass\n']);
  });

  it('on a terminal, clears the drawn indicator, writes the line, and draws the indicator again under it', () => {
    const { stream, written } = fakeTerminal(true);
    let time = 0;
    const progress = createProgress(stream, () => time);
    progress.print('[1/2] ✔ a  pass');
    time = 1000;
    progress.update({ done: 1, total: 2, phase: 'b' });
    progress.print('[2/2] ✖ b  violation');
    expect(written).toEqual([
      '[1/2] ✔ a  pass\n',
      '\r\x1b[2Kb: 1/2 (50%)',
      '\r\x1b[2K[2/2] ✖ b  violation\nb: 1/2 (50%)',
    ]);
  });
});

describe('finishedLine', () => {
  it('says which design finished, how it came out, and how long it took when timed', () => {
    expect(finishedLine({ done: 3, total: 34, ok: true, name: 'a', detail: 'pass, matches', ms: 1234 })).toBe(
      '[ 3/34] ✔ a  pass, matches  1.2 s',
    );
    expect(finishedLine({ done: 1, total: 2, ok: false, name: 'b', detail: 'violation', ms: 12.4 })).toBe(
      '[1/2] ✖ b  violation  12 ms',
    );
    expect(finishedLine({ done: 1, total: 2, ok: false, name: 'b', detail: 'violation' })).toBe(
      '[1/2] ✖ b  violation',
    );
  });
});

/**
 * The trust rules (docs/model.md#parties-and-trust): secure apps are named parties, each stream's
 * trusted set names only the hypervisor and secure apps, and no app is trusted with a stream it
 * is left outside the audience of. One test per message, with where it points.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseTopology } from '../../src/topology/load.ts';
import { edit, issuesOf, onlyIssue, positionOf } from '../support/topologyIssues.ts';

/** The small TrustZone design with no apps declared: one secure party named `secure`. */
const CARVEOUT = readFileSync('test/fixtures/tzasc-carveout.yaml', 'utf8');

/** The same design with a secure-video and a trusted-UI app, the movie trusting only the first. */
const TWO_APPS = [
  [
    'secureWorld:\n  tee: true\n',
    'secureWorld:\n  tee: true\n  apps:\n    - name: secure-video\n      heaps: [secure-video]\n    - name: trusted-ui\n',
  ],
  [
    '    audience: [secure, vdec, dpu]\n',
    '    audience: [secure-video, vdec, dpu]\n    trusted: [hyp, secure-video]\n',
  ],
  ['decrypt: { by: secure,', 'decrypt: { by: secure-video,'],
].reduce((text, [from, to]) => edit(text, from!, to!), CARVEOUT);

describe('secure apps', () => {
  it('default to one party named secure, and several may be declared', () => {
    expect(issuesOf(CARVEOUT)).toEqual([]);
    expect(issuesOf(TWO_APPS)).toEqual([]);
    const { topology } = parseTopology(CARVEOUT, 't.yaml');
    expect(topology.secureWorld.apps).toBeUndefined();
    expect(topology.streams[0]!.trusted).toBeUndefined();
  });

  it('have unique names', () => {
    const text = edit(TWO_APPS, '    - name: trusted-ui\n', '    - name: secure-video\n');
    expect(onlyIssue(text)).toEqual({
      code: 'duplicateName',
      file: 't.yaml',
      ...positionOf(text, 'secure-video\n', 'heaps: [secure-video]'),
      path: 'secureWorld.apps[1].name',
      expected: 'a name no other secure app has',
      found: '"secure-video", already the name of secureWorld.apps[0]',
      message: 'duplicate secure app name',
    });
  });

  it('may not take the name of a built-in party other than secure', () => {
    const text = edit(TWO_APPS, '    - name: trusted-ui\n', '    - name: host\n');
    expect(onlyIssue(text)).toMatchObject({
      code: 'duplicateName',
      ...positionOf(text, 'host'),
      path: 'secureWorld.apps[1].name',
      expected: 'a name other than host, vmm or hyp',
      found: '"host"',
      message: 'a secure app cannot take the name of the built-in party "host"',
    });
  });

  it("may not take a VM's or a device's name", () => {
    const text = edit(TWO_APPS, '    - name: trusted-ui\n', '    - name: vdec\n');
    expect(onlyIssue(text)).toMatchObject({
      code: 'duplicateName',
      ...positionOf(text, 'vdec'),
      path: 'secureWorld.apps[1].name',
      expected: 'a name no VM or device has',
      found: '"vdec", already the name of devices[0]',
      message: 'a secure app shares a name with a VM or a device (all are parties)',
    });
  });

  it('are handed buffers of declared heaps only', () => {
    const text = edit(TWO_APPS, 'heaps: [secure-video]', 'heaps: [secure-vdeo]');
    expect(onlyIssue(text)).toMatchObject({
      code: 'unknownReference',
      ...positionOf(text, 'secure-vdeo'),
      path: 'secureWorld.apps[0].heaps[0]',
      expected: 'a declared heap (system or secure-video)',
      found: '"secure-vdeo"',
      message: 'unknown heap "secure-vdeo"; did you mean "secure-video"?',
    });
  });

  it('are the only secure parties a decrypt stage can name', () => {
    const text = edit(TWO_APPS, 'decrypt: { by: secure-video,', 'decrypt: { by: secure,');
    expect(onlyIssue(text)).toMatchObject({
      code: 'unknownReference',
      ...positionOf(text, 'secure,', 'decrypt'),
      path: 'pipeline.decrypt.by',
      expected: 'secure-video, trusted-ui or a VM (none are declared)',
      found: '"secure"',
      message: 'unknown decrypting party "secure"',
    });
  });

  it('are the only secure parties an audience can name', () => {
    const text = edit(TWO_APPS, 'audience: [secure-video, vdec, dpu]', 'audience: [secure-vide, vdec, dpu]');
    const issues = issuesOf(text).filter((issue) => issue.path === 'streams[0].audience[0]');
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({
      code: 'unknownReference',
      ...positionOf(text, 'secure-vide,'),
      expected: 'a party (host, vmm, secure-video, trusted-ui, hyp, vdec or dpu)',
      found: '"secure-vide"',
      message: 'unknown party "secure-vide"; did you mean "secure-video"?',
    });
  });
});

describe("a stream's trusted set", () => {
  it('may leave out the secure world or the hypervisor', () => {
    expect(issuesOf(edit(TWO_APPS, 'trusted: [hyp, secure-video]', 'trusted: []'))).toEqual([]);
    expect(
      issuesOf(
        edit(
          CARVEOUT,
          '    audience: [secure, vdec, dpu]\n',
          '    audience: [secure, vdec, dpu]\n    trusted: [hyp]\n',
        ),
      ),
    ).toEqual([]);
  });

  it('names only the hypervisor and secure apps', () => {
    const text = edit(TWO_APPS, 'trusted: [hyp, secure-video]', 'trusted: [hyp, host]');
    expect(onlyIssue(text)).toMatchObject({
      code: 'untrustableParty',
      ...positionOf(text, 'host]'),
      path: 'streams[0].trusted[1]',
      expected: 'hyp or a secure app (secure-video or trusted-ui)',
      found: '"host"',
      message: '"host" cannot be trusted with a stream: only the hypervisor and secure apps can',
    });
  });

  it('names declared parties', () => {
    const text = edit(TWO_APPS, 'trusted: [hyp, secure-video]', 'trusted: [hyp, secure-vid]');
    expect(onlyIssue(text)).toMatchObject({
      code: 'unknownReference',
      ...positionOf(text, 'secure-vid]'),
      path: 'streams[0].trusted[1]',
      expected: 'hyp or a secure app (secure-video or trusted-ui)',
      found: '"secure-vid"',
      message: 'unknown trusted party "secure-vid"; did you mean "secure-video"?',
    });
  });

  it('leaves no secure app it trusts outside the audience', () => {
    const text = edit(TWO_APPS, 'trusted: [hyp, secure-video]', 'trusted: [hyp, secure-video, trusted-ui]');
    expect(onlyIssue(text)).toMatchObject({
      code: 'trustedOutsideAudience',
      ...positionOf(text, 'trusted-ui]'),
      path: 'streams[0].trusted[2]',
      expected: '"trusted-ui" in streams[0].audience too, or left out of trusted',
      found: 'audience "secure-video", "vdec" and "dpu"',
      message: 'secure app "trusted-ui" is trusted with stream "movie" but outside its audience',
    });
  });
});

/**
 * The Gunyah checks: the `gunyah` section only with `hypervisor.kind: gunyah`, the pKVM features
 * a Gunyah design cannot have, and the parcels: a declared buffer and VMs, the creator owns the
 * buffer, and the access list as memparcel_construct() takes it (no VM twice, a lend names not
 * its owner, a share does, a donation names one VM). Each test asserts the issue's code, where
 * it points (line and column), and what was expected and found.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { edit, issueAt, issuesOf, positionOf } from '../support/topologyIssues.ts';

const GUNYAH = readFileSync('topologies/gunyah-cluster-memparcel-lend-display.yaml', 'utf8');
const SHARE = readFileSync('topologies/gunyah-parcel-reclaim-before-release.yaml', 'utf8');
const ACL = '        - { vm: cluster, rights: rw }';

describe('a Gunyah design', () => {
  it('is valid as the catalog writes it', () => {
    expect(issuesOf(GUNYAH)).toEqual([]);
    expect(issuesOf(SHARE)).toEqual([]);
  });

  it('has no protected VMs', () => {
    const text = edit(
      GUNYAH,
      '  - name: cluster\n    protected: false',
      '  - name: cluster\n    protected: true',
    );
    expect(issueAt(text, 'vms[1].protected')).toMatchObject({
      code: 'incompatible',
      ...positionOf(text, 'true', 'name: cluster'),
      expected: 'hypervisor.kind: pkvm',
      found: 'protected: true with hypervisor.kind: gunyah',
    });
  });

  it('makes a parcel only of the buffer its owner allocated', () => {
    const text = edit(GUNYAH, '      by: infotainment', '      by: cluster');
    expect(issueAt(text, 'gunyah.parcels[0].by')).toMatchObject({
      code: 'incompatible',
      ...positionOf(text, 'cluster', 'parcels:'),
      expected: 'the buffer\'s owner "infotainment"',
      found: '"cluster"',
    });
  });

  it('names declared VMs in the access list', () => {
    const text = edit(GUNYAH, ACL, '        - { vm: clustr, rights: rw }');
    expect(issueAt(text, 'gunyah.parcels[0].acl[0].vm')).toMatchObject({
      code: 'unknownReference',
      ...positionOf(text, 'clustr'),
      message: 'unknown VM "clustr"; did you mean "cluster"?',
    });
  });

  it('refuses a lend to the VM that makes it, and a VM twice', () => {
    const self = edit(GUNYAH, ACL, `${ACL}\n        - { vm: infotainment, rights: r }`);
    expect(issueAt(self, 'gunyah.parcels[0].acl[1].vm')).toMatchObject({
      code: 'incompatible',
      ...positionOf(self, 'infotainment', 'rights: rw }'),
      expected: 'not "infotainment"',
      found: '"infotainment"',
    });
    const twice = edit(GUNYAH, ACL, `${ACL}\n        - { vm: cluster, rights: r }`);
    expect(issueAt(twice, 'gunyah.parcels[0].acl[1].vm')).toMatchObject({
      code: 'incompatible',
      ...positionOf(twice, 'cluster', 'rights: rw }'),
      expected: 'another VM',
    });
  });

  it('a share names its owner; a donation names one VM', () => {
    const share = edit(GUNYAH, '      kind: lend', '      kind: share');
    expect(issueAt(share, 'gunyah.parcels[0].acl')).toMatchObject({
      code: 'incompatible',
      expected: 'an entry for "infotainment"',
    });
    const donate = edit(
      edit(GUNYAH, '      kind: lend', '      kind: donate'),
      ACL,
      `${ACL}\n        - { vm: host, rights: r }`,
    );
    expect(issueAt(donate, 'gunyah.parcels[0].acl')).toMatchObject({
      code: 'incompatible',
      expected: 'one entry',
      found: '2 entries',
    });
  });

  it('refuses a field of another kind: rights outside r and rw, the xen section', () => {
    const rights = edit(GUNYAH, ACL, '        - { vm: cluster, rights: rwx }');
    expect(issueAt(rights, 'gunyah.parcels[0].acl[0].rights')).toMatchObject(positionOf(rights, 'rwx'));
    const xen = edit(GUNYAH, 'secureWorld:', 'xen:\n  dom0Privileged: false\nsecureWorld:');
    expect(issueAt(xen, 'xen.dom0Privileged')).toMatchObject({
      code: 'requiresFeature',
      expected: 'hypervisor.kind: xen',
      found: 'hypervisor.kind: gunyah',
    });
  });
});

describe('the gunyah section without Gunyah', () => {
  it('is refused with Xen', () => {
    const text = edit(GUNYAH, 'hypervisor:\n  kind: gunyah', 'hypervisor:\n  kind: xen');
    expect(issueAt(text, 'gunyah.parcels')).toMatchObject({
      code: 'requiresFeature',
      ...positionOf(text, '- buffer: frame', 'parcels:'),
      expected: 'hypervisor.kind: gunyah',
      found: 'hypervisor.kind: xen',
    });
  });
});

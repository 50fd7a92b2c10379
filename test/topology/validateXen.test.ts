/**
 * The Xen checks: the `xen` section only with `hypervisor.kind: xen`, the pKVM features a Xen
 * design cannot have, and the references of grants and gntdev exports. Each test asserts the
 * issue's code, where it points (line and column), and what was expected and found.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { edit, issueAt, issuesOf, positionOf } from '../support/topologyIssues.ts';

const XEN = readFileSync('topologies/xen-cluster-gntdev-display.yaml', 'utf8');

describe('a Xen design', () => {
  it('is valid as the catalog writes it', () => {
    expect(issuesOf(XEN)).toEqual([]);
  });

  it('has no protected VMs', () => {
    const text = edit(
      XEN,
      '  - name: cluster\n    protected: false',
      '  - name: cluster\n    protected: true',
    );
    expect(issueAt(text, 'vms[1].protected')).toMatchObject({
      code: 'incompatible',
      ...positionOf(text, 'true', 'name: cluster'),
      expected: 'hypervisor.kind: pkvm',
      found: 'protected: true with hypervisor.kind: xen',
    });
  });

  it('has no pKVM identity IOMMU domain', () => {
    const text = edit(XEN, '    iommu: domain', '    iommu: identity');
    expect(issueAt(text, 'devices[0].iommu')).toMatchObject({
      code: 'requiresFeature',
      ...positionOf(text, 'identity'),
      expected: 'hypervisor pkvm with iommu: identity',
      found: 'hypervisor xen',
    });
  });

  it('grants only pages of the granting domain, to another declared domain', () => {
    const notOwner = edit(
      XEN,
      '      by: infotainment\n      to: cluster',
      '      by: cluster\n      to: infotainment',
    );
    expect(issueAt(notOwner, 'xen.grants[0].by')).toMatchObject({
      code: 'incompatible',
      ...positionOf(notOwner, 'cluster', 'grants:'),
      expected: 'the buffer\'s owner "infotainment"',
      found: '"cluster"',
    });
    const unknown = edit(XEN, '      to: cluster', '      to: clustr');
    expect(issueAt(unknown, 'xen.grants[0].to')).toMatchObject({
      code: 'unknownReference',
      ...positionOf(unknown, 'clustr'),
      message: 'unknown domain "clustr"; did you mean "cluster"?',
    });
  });

  it('exports through gntdev only what a grant names the exporter for', () => {
    const text = edit(XEN, '      by: cluster\nsecureWorld', '      by: host\nsecureWorld');
    expect(issueAt(text, 'xen.gntdevExports[0].by')).toMatchObject({
      code: 'unknownReference',
      ...positionOf(text, 'host', 'gntdevExports:'),
      expected: 'a grantee of "frame" (cluster)',
      found: '"host"',
    });
  });
});

describe('the xen section without Xen', () => {
  it('is refused with pKVM, field by field', () => {
    const text = edit(
      XEN,
      'hypervisor:\n  kind: xen',
      'hypervisor:\n  kind: pkvm\n  kernel: android\n  iommu: dmaDomains',
    );
    for (const path of ['xen.grants', 'xen.gntdevExports', 'xen.dom0Privileged']) {
      expect(issueAt(text, path)).toMatchObject({
        code: 'requiresFeature',
        expected: 'hypervisor.kind: xen',
        found: 'hypervisor.kind: pkvm',
      });
    }
    expect(issueAt(text, 'xen.dom0Privileged')).toMatchObject(positionOf(text, 'false', '\nxen:'));
  });
});

/**
 * The Arm CCA checks: realms and the `cca` section only with `hypervisor.kind: cca`, every VM a
 * realm there, no pKVM features, unprotected windows of a realm's own memory, a realm's buffers
 * allocated by that realm, and realm-driven devices behind the SMMU. Each test asserts the
 * issue's code, where it points (line and column), and what was expected and found.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { edit, issueAt, issuesOf, positionOf } from '../support/topologyIssues.ts';

const SHARED = readFileSync('topologies/cca-realm-decrypt-host-display-shared.yaml', 'utf8');
const ASSIGNED = readFileSync('topologies/cca-realm-decrypt-assigned-display.yaml', 'utf8');

describe('a CCA design', () => {
  it('is valid as the catalog writes it', () => {
    expect(issuesOf(SHARED)).toEqual([]);
    expect(issuesOf(ASSIGNED)).toEqual([]);
  });

  it('has realm fields only under hypervisor.kind: cca', () => {
    const text = edit(SHARED, 'hypervisor:\n  kind: cca', 'hypervisor:\n  kind: none');
    expect(issueAt(text, 'vms[0].realm')).toMatchObject({
      code: 'requiresFeature',
      ...positionOf(text, 'true', 'realm:'),
      expected: 'hypervisor.kind: cca',
      found: 'hypervisor.kind: none',
    });
    expect(issueAt(text, 'cca')).toMatchObject({ code: 'requiresFeature', expected: 'hypervisor.kind: cca' });
  });

  it('has realms, not pVMs or normal-world VMs', () => {
    const pvm = edit(SHARED, '    protected: false\n    realm: true', '    protected: true\n    realm: true');
    expect(issueAt(pvm, 'vms[0].protected')).toMatchObject({
      code: 'incompatible',
      ...positionOf(pvm, 'true', 'name: decrypt'),
      expected: 'hypervisor.kind: pkvm',
      found: 'protected: true with hypervisor.kind: cca',
    });
    const normal = edit(SHARED, '    protected: false\n    realm: true', '    protected: false');
    expect(issueAt(normal, 'vms[0]')).toMatchObject({
      code: 'incompatible',
      expected: 'realm: true',
      found: 'no realm: true',
    });
  });

  it('lists as unprotected only declared regions a realm owns', () => {
    const unknown = edit(SHARED, 'unprotected: [realm-shared]', 'unprotected: [realm-shard]');
    expect(issueAt(unknown, 'cca.unprotected[0]')).toMatchObject({
      code: 'unknownReference',
      ...positionOf(unknown, 'realm-shard'),
      message: 'unknown region "realm-shard"; did you mean "realm-shared"?',
    });
    const hostOwned = edit(
      SHARED,
      '  - name: realm-shared\n    pages: 1\n    owner: decrypt',
      '  - name: realm-shared\n    pages: 1\n    owner: host',
    );
    expect(issueAt(hostOwned, 'cca.unprotected[0]')).toMatchObject({
      code: 'incompatible',
      ...positionOf(hostOwned, 'realm-shared', 'unprotected:'),
      expected: 'a region owned by a realm',
      found: 'region "realm-shared" owned by "host"',
    });
  });

  it("allocates a realm's buffers by that realm only", () => {
    const text = edit(
      SHARED,
      '    region: realm-ram\n    allocatedBy: decrypt',
      '    region: realm-ram\n    allocatedBy: host',
    );
    expect(issueAt(text, 'buffers[0].allocatedBy')).toMatchObject({
      code: 'incompatible',
      ...positionOf(text, 'host', 'region: realm-ram'),
      expected: '"decrypt"',
      found: '"host"',
    });
  });

  it('puts a device a realm drives behind the SMMU with its stage 2', () => {
    const text = edit(
      ASSIGNED,
      '    controlledBy: decrypt\n    iommu: domain',
      '    controlledBy: decrypt\n    iommu: bypass',
    );
    expect(issueAt(text, 'devices[0].iommu')).toMatchObject({
      code: 'incompatible',
      ...positionOf(text, 'bypass'),
      expected: 'iommu: domain',
      found: 'iommu: bypass',
    });
  });

  it('has no pKVM features: a pVM swiotlb pool shared with the host', () => {
    const text = edit(
      SHARED,
      '  - name: realm-shared\n    pages: 1\n    owner: decrypt',
      '  - name: realm-shared\n    pages: 1\n    owner: decrypt\n    sharedWithHost: true',
    );
    expect(issuesOf(text)).toContainEqual(
      expect.objectContaining({
        path: 'memory[1].sharedWithHost',
        code: 'incompatible',
        expected: 'hypervisor.kind: pkvm',
        found: 'sharedWithHost with hypervisor.kind: cca',
      }),
    );
  });
});

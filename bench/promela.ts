/**
 * Promela for SPIN with the semantics of `bench/pkvmReducer.ts`, so that `npm run bench` can
 * run SPIN on the same model as the world and the reducer.
 *
 * The program is built from the reducer's own step table (`pkvmReducer(spec).stepInfo`, in
 * the reducer's order) and, for each step, the cases of the reducer's `apply` written as data:
 * a guard (a conjunction of expressions over the state variables) and assignments. `RULES`
 * follows `apply` case by case. The same data is rendered as Promela and evaluated here
 * (`evaluateStep`), and `test/bench/promela.test.ts` holds the evaluation to `reducer.apply` on
 * every reachable state of the ownership space, searches of the other specs and arbitrary,
 * ill-formed states; it also runs SPIN on the program and compares the count of states.
 *
 * The shape of the program is chosen so that SPIN's stored states are exactly the model's
 * distinct states:
 * - one `d_step` per world step, so a step is one transition with no intermediate states;
 * - mutually exclusive cases of one step (HOST_SHARE_GUEST from OWNED or from SHARED_OWNED,
 *   FORCE_RECLAIM_GUEST_PAGE per annotated owner, ...) as separate `d_step`s with disjoint
 *   guards;
 * - steps whose guard is false for the whole spec (a no-map page in HOST_SHARE_HYP, a protected
 *   guest in HOST_SHARE_GUEST, ...) left out;
 * - globals initialised at their declaration, so there is no init step and no extra state;
 * - one `active proctype` whose body is a single `do` loop labelled `end:`, so the program
 *   counter never changes and a state with no enabled step is a valid end state.
 */
import type { PkvmFamilySpec } from '../src/world/families/pkvmFamily.ts';
import {
  GUEST_STATES,
  HOST_STATES,
  HYP_STATES,
  type PkvmProjection,
  pkvmReducer,
  VM_STATES,
} from './pkvmReducer.ts';

type BinaryOp = '==' | '!=' | '<' | '>=' | '+' | '-' | '&&' | '||';

/** An expression over the state variables, rendered as Promela or evaluated on a state vector. */
export type Expr =
  | { readonly kind: 'var'; readonly index: number }
  | { readonly kind: 'const'; readonly value: number; readonly name?: string }
  | { readonly kind: 'op'; readonly op: BinaryOp; readonly left: Expr; readonly right: Expr };

type Var = Extract<Expr, { kind: 'var' }>;

/** One case of a step: enabled when every guard holds; then the assignments run in order. */
export interface StepCase {
  readonly guard: readonly Expr[];
  readonly set: readonly (readonly [Var, Expr])[];
}

/** A reducer step that can be enabled for this spec: one `d_step` per case. */
export interface PromelaStep {
  /** Index of the step in the reducer's (and the world's) step table. */
  readonly step: number;
  readonly call: string;
  readonly args: Readonly<Record<string, string | number>>;
  readonly cases: readonly StepCase[];
}

export interface PromelaVariable {
  readonly name: string;
  readonly type: 'bit' | 'byte';
  readonly initial: number;
}

export interface PromelaModel {
  /** The Promela program. */
  readonly text: string;
  readonly variables: readonly PromelaVariable[];
  /** The steps kept, in the reducer's order; `omitted` lists the indices of the others. */
  readonly steps: readonly PromelaStep[];
  readonly omitted: readonly number[];
  /** The state vector (one number per variable, in `variables` order) of a decoded reducer state. */
  stateVector(projection: PkvmProjection): number[];
  /** Applies step `step` (a reducer step index) to a state vector: the successor, or undefined if refused. */
  evaluateStep(step: number, state: readonly number[]): number[] | undefined;
}

/** Promela names of the state codes (`HOST_STATES` etc. give the codes by position). */
const HOST_NAMES: Record<(typeof HOST_STATES)[number], string> = {
  OWNED: 'OWNED',
  SHARED_OWNED: 'SHARED_OWNED',
  SHARED_BORROWED: 'SHARED_BORROWED',
  'NOPAGE.ownedByHyp': 'NOPAGE_HYP',
  'NOPAGE.ownedByGuest': 'NOPAGE_GUEST',
  'NOPAGE.ownedByFfa': 'NOPAGE_FFA',
};
const VM_NAMES: Record<(typeof VM_STATES)[number], string> = {
  created: 'VM_CREATED',
  'running.vcpuPut': 'VM_PUT',
  'running.vcpuLoaded': 'VM_LOADED',
  dying: 'VM_DYING',
  destroyed: 'VM_DESTROYED',
};

function codes<T extends string>(states: readonly T[], name: (state: T) => string): Record<T, Expr> {
  return Object.fromEntries(
    states.map((state, value) => [state, { kind: 'const', value, name: name(state) }]),
  ) as Record<T, Expr>;
}
const HOST = codes(HOST_STATES, (state) => HOST_NAMES[state]);
const HYP = codes(HYP_STATES, (state) => `H_${state}`);
const GUEST = codes(GUEST_STATES, (state) => `G_${state}`);
const VM = codes(VM_STATES, (state) => VM_NAMES[state]);

const k = (value: number): Expr => ({ kind: 'const', value });
const op =
  (o: BinaryOp) =>
  (left: Expr, right: Expr): Expr => ({ kind: 'op', op: o, left, right });
const eq = op('==');
const ne = op('!=');
const lt = op('<');
const ge = op('>=');
const plus = op('+');
const minus = op('-');
const or = op('||');
const and = op('&&');

/** The variables of one page (`owner` is the annotated guest + 1, 0 for none, as in the reducer). */
interface PageVars {
  readonly host: Var;
  readonly hyp: Var;
  readonly ffa: Var;
  readonly iommu: Var;
  readonly owner: Var;
  readonly pins: Var;
  readonly dma: Var;
  readonly shares: Var;
  readonly views: readonly Var[];
}
interface VmVars {
  readonly state: Var;
  readonly vcpus: Var;
}

/** What a rule sees: the step's page and VM (when it names them) and the spec's static facts. */
interface RuleContext {
  readonly pages: readonly PageVars[];
  readonly page: PageVars;
  readonly vm: VmVars;
  /** The VM's index, -1 for a page call. */
  readonly v: number;
  readonly isMemory: boolean;
  readonly ffaOk: boolean;
  readonly isProtected: boolean;
  readonly guestCount: number;
  readonly bounds: PkvmFamilySpec['bounds'];
}

const cases = (when: boolean, ...made: StepCase[]): StepCase[] => (when ? made : []);
const refcount = (P: PageVars) => plus(P.pins, P.dma);

/**
 * The cases of each call, following `pkvmReducer`'s `apply` case by case (same guards, same
 * effects; a guard on the spec alone decides whether the case exists at all).
 */
const RULES: Record<string, (c: RuleContext) => StepCase[]> = {
  HOST_SHARE_HYP: ({ page: P, isMemory }) =>
    cases(isMemory, {
      guard: [eq(P.host, HOST.OWNED), eq(refcount(P), k(0)), eq(P.hyp, HYP.NOPAGE)],
      set: [
        [P.host, HOST.SHARED_OWNED],
        [P.hyp, HYP.SHARED_BORROWED],
      ],
    }),
  HOST_UNSHARE_HYP: ({ page: P }) => [
    {
      guard: [eq(P.host, HOST.SHARED_OWNED), eq(P.hyp, HYP.SHARED_BORROWED), eq(refcount(P), k(0))],
      set: [
        [P.host, HOST.OWNED],
        [P.hyp, HYP.NOPAGE],
      ],
    },
  ],
  HYP_PIN_SHARED_MEM: ({ page: P, bounds }) =>
    cases(bounds.hypPins > 0, {
      guard: [lt(P.pins, k(bounds.hypPins)), eq(P.host, HOST.SHARED_OWNED), eq(P.hyp, HYP.SHARED_BORROWED)],
      set: [[P.pins, plus(P.pins, k(1))]],
    }),
  HYP_UNPIN_SHARED_MEM: ({ page: P }) => [
    {
      guard: [eq(P.host, HOST.SHARED_OWNED), ne(P.pins, k(0))],
      set: [[P.pins, minus(P.pins, k(1))]],
    },
  ],
  HOST_DONATE_HYP: ({ page: P, isMemory }) =>
    cases(isMemory, {
      guard: [eq(P.host, HOST.OWNED), eq(refcount(P), k(0)), eq(P.hyp, HYP.NOPAGE)],
      set: [
        [P.host, HOST['NOPAGE.ownedByHyp']],
        [P.hyp, HYP.OWNED],
        [P.iommu, k(0)],
      ],
    }),
  HYP_DONATE_HOST: ({ page: P }) => [
    {
      guard: [eq(P.host, HOST['NOPAGE.ownedByHyp']), eq(P.hyp, HYP.OWNED)],
      set: [
        [P.host, HOST.OWNED],
        [P.hyp, HYP.NOPAGE],
        [P.iommu, k(1)],
      ],
    },
  ],
  HOST_SHARE_FFA: ({ page: P, ffaOk }) =>
    cases(ffaOk, {
      guard: [eq(P.host, HOST.OWNED), eq(refcount(P), k(0))],
      set: [
        [P.host, HOST.SHARED_OWNED],
        [P.ffa, k(1)],
      ],
    }),
  HOST_UNSHARE_FFA: ({ page: P }) => [
    {
      guard: [eq(P.host, HOST.SHARED_OWNED), ne(P.ffa, k(0))],
      set: [
        [P.host, HOST.OWNED],
        [P.ffa, k(0)],
      ],
    },
  ],
  HOST_DONATE_FFA: ({ page: P, ffaOk }) =>
    cases(ffaOk, {
      guard: [eq(P.host, HOST.OWNED), eq(refcount(P), k(0))],
      set: [[P.host, HOST['NOPAGE.ownedByFfa']]],
    }),
  HOST_RECLAIM_FFA: ({ page: P }) => [
    { guard: [eq(P.host, HOST['NOPAGE.ownedByFfa'])], set: [[P.host, HOST.OWNED]] },
  ],
  // One case per annotated owner: the owner's view must be OWNED and is poisoned.
  FORCE_RECLAIM_GUEST_PAGE: ({ page: P, guestCount }) =>
    Array.from({ length: guestCount }, (_, owner) => ({
      guard: [
        eq(P.host, HOST['NOPAGE.ownedByGuest']),
        eq(P.owner, k(owner + 1)),
        eq(P.views[owner]!, GUEST.OWNED),
      ],
      set: [
        [P.host, HOST.OWNED],
        [P.iommu, k(1)],
        [P.owner, k(0)],
        [P.views[owner]!, GUEST.POISON],
      ],
    })),
  HOST_USE_DMA: ({ page: P, isMemory, bounds }) =>
    cases(isMemory && bounds.dmaMappings > 0, {
      guard: [lt(P.dma, k(bounds.dmaMappings)), eq(P.host, HOST.OWNED)],
      set: [[P.dma, plus(P.dma, k(1))]],
    }),
  HOST_UNUSE_DMA: ({ page: P }) => [
    { guard: [eq(P.host, HOST.OWNED), ne(P.dma, k(0))], set: [[P.dma, minus(P.dma, k(1))]] },
  ],
  HOST_DONATE_GUEST: ({ page: P, vm, v, isMemory, isProtected }) =>
    cases(isProtected && isMemory, {
      guard: [
        eq(P.host, HOST.OWNED),
        eq(vm.state, VM['running.vcpuLoaded']),
        eq(refcount(P), k(0)),
        eq(P.views[v]!, GUEST.NOPAGE),
      ],
      set: [
        [P.host, HOST['NOPAGE.ownedByGuest']],
        [P.iommu, k(0)],
        [P.owner, k(v + 1)],
        [P.views[v]!, GUEST.OWNED],
      ],
    }),
  // From OWNED, or from SHARED_OWNED if already shared with guests.
  HOST_SHARE_GUEST: ({ page: P, vm, v, isMemory, isProtected }) =>
    cases(
      !isProtected && isMemory,
      {
        guard: [
          eq(vm.state, VM['running.vcpuLoaded']),
          eq(P.views[v]!, GUEST.NOPAGE),
          eq(P.host, HOST.OWNED),
          eq(refcount(P), k(0)),
        ],
        set: [
          [P.host, HOST.SHARED_OWNED],
          [P.shares, plus(P.shares, k(1))],
          [P.views[v]!, GUEST.SHARED_BORROWED],
        ],
      },
      {
        guard: [
          eq(vm.state, VM['running.vcpuLoaded']),
          eq(P.views[v]!, GUEST.NOPAGE),
          eq(P.host, HOST.SHARED_OWNED),
          ne(P.shares, k(0)),
        ],
        set: [
          [P.shares, plus(P.shares, k(1))],
          [P.views[v]!, GUEST.SHARED_BORROWED],
        ],
      },
    ),
  // The last guest share returns the page to OWNED.
  HOST_UNSHARE_GUEST: ({ page: P, v, isProtected }) => {
    const guard = [eq(P.host, HOST.SHARED_OWNED), eq(P.views[v]!, GUEST.SHARED_BORROWED)];
    return cases(
      !isProtected,
      {
        guard: [...guard, eq(P.shares, k(1))],
        set: [
          [P.host, HOST.OWNED],
          [P.shares, k(0)],
          [P.views[v]!, GUEST.NOPAGE],
        ],
      },
      {
        guard: [...guard, ge(P.shares, k(2))],
        set: [
          [P.shares, minus(P.shares, k(1))],
          [P.views[v]!, GUEST.NOPAGE],
        ],
      },
    );
  },
  GUEST_SHARE_HOST: ({ page: P, vm, v }) => [
    {
      guard: [
        eq(vm.state, VM['running.vcpuLoaded']),
        eq(P.host, HOST['NOPAGE.ownedByGuest']),
        eq(P.views[v]!, GUEST.OWNED),
      ],
      set: [
        [P.host, HOST.SHARED_BORROWED],
        [P.iommu, k(1)],
        [P.owner, k(0)],
        [P.views[v]!, GUEST.SHARED_OWNED],
      ],
    },
  ],
  GUEST_UNSHARE_HOST: ({ page: P, vm, v }) => [
    {
      guard: [
        eq(vm.state, VM['running.vcpuLoaded']),
        eq(P.host, HOST.SHARED_BORROWED),
        eq(P.views[v]!, GUEST.SHARED_OWNED),
      ],
      set: [
        [P.host, HOST['NOPAGE.ownedByGuest']],
        [P.iommu, k(0)],
        [P.owner, k(v + 1)],
        [P.views[v]!, GUEST.OWNED],
      ],
    },
  ],
  GUEST_RELINQUISH_TO_HOST: ({ page: P, vm, v, isProtected }) =>
    cases(isProtected, {
      guard: [
        eq(vm.state, VM['running.vcpuLoaded']),
        eq(P.host, HOST['NOPAGE.ownedByGuest']),
        eq(P.views[v]!, GUEST.OWNED),
        eq(refcount(P), k(0)),
      ],
      set: [
        [P.host, HOST.OWNED],
        [P.iommu, k(1)],
        [P.owner, k(0)],
        [P.views[v]!, GUEST.NOPAGE],
      ],
    }),
  // A shared page goes back as is, an owned one is poisoned first (the same effect on the host side).
  RECLAIM_DYING_GUEST_PAGE: ({ page: P, vm, v }) => [
    {
      guard: [
        eq(vm.state, VM.dying),
        or(
          and(eq(P.host, HOST.SHARED_BORROWED), eq(P.views[v]!, GUEST.SHARED_OWNED)),
          and(eq(P.host, HOST['NOPAGE.ownedByGuest']), eq(P.views[v]!, GUEST.OWNED)),
        ),
      ],
      set: [
        [P.host, HOST.OWNED],
        [P.iommu, k(1)],
        [P.owner, k(0)],
        [P.views[v]!, GUEST.NOPAGE],
      ],
    },
  ],
  INIT_VCPU: ({ vm, bounds }) =>
    cases(
      bounds.vcpus > 0,
      {
        guard: [lt(vm.vcpus, k(bounds.vcpus)), eq(vm.state, VM.created)],
        set: [
          [vm.state, VM['running.vcpuPut']],
          [vm.vcpus, plus(vm.vcpus, k(1))],
        ],
      },
      {
        guard: [
          lt(vm.vcpus, k(bounds.vcpus)),
          or(eq(vm.state, VM['running.vcpuPut']), eq(vm.state, VM['running.vcpuLoaded'])),
        ],
        set: [[vm.vcpus, plus(vm.vcpus, k(1))]],
      },
    ),
  VCPU_LOAD: ({ vm }) => [
    {
      guard: [eq(vm.state, VM['running.vcpuPut']), ne(vm.vcpus, k(0))],
      set: [[vm.state, VM['running.vcpuLoaded']]],
    },
  ],
  VCPU_PUT: ({ vm }) => [
    { guard: [eq(vm.state, VM['running.vcpuLoaded'])], set: [[vm.state, VM['running.vcpuPut']]] },
  ],
  START_TEARDOWN_VM: ({ vm }) => [
    {
      guard: [or(eq(vm.state, VM.created), eq(vm.state, VM['running.vcpuPut']))],
      set: [[vm.state, VM.dying]],
    },
  ],
  // Dying, and none of its pages still mapped: every page's view of it NOPAGE or POISON.
  FINALIZE_TEARDOWN_VM: ({ vm, v, pages }) => [
    {
      guard: [
        eq(vm.state, VM.dying),
        ...pages.map((P) => or(eq(P.views[v]!, GUEST.NOPAGE), eq(P.views[v]!, GUEST.POISON))),
      ],
      set: [[vm.state, VM.destroyed]],
    },
  ],
};

/** The call names `RULES` covers (every call the reducer can offer). */
export const PROMELA_CALLS: readonly string[] = Object.keys(RULES);

function render(e: Expr, variables: readonly PromelaVariable[], nested = false): string {
  if (e.kind === 'var') return variables[e.index]!.name;
  if (e.kind === 'const') return e.name ?? String(e.value);
  const text = `${render(e.left, variables, true)} ${e.op} ${render(e.right, variables, true)}`;
  return nested ? `(${text})` : text;
}

type Compiled = (state: readonly number[]) => number;

function compile(e: Expr): Compiled {
  if (e.kind === 'var') {
    const i = e.index;
    return (s) => s[i]!;
  }
  if (e.kind === 'const') {
    const value = e.value;
    return () => value;
  }
  const l = compile(e.left);
  const r = compile(e.right);
  switch (e.op) {
    case '==':
      return (s) => (l(s) === r(s) ? 1 : 0);
    case '!=':
      return (s) => (l(s) !== r(s) ? 1 : 0);
    case '<':
      return (s) => (l(s) < r(s) ? 1 : 0);
    case '>=':
      return (s) => (l(s) >= r(s) ? 1 : 0);
    case '+':
      return (s) => l(s) + r(s);
    case '-':
      return (s) => l(s) - r(s);
    case '&&':
      return (s) => (l(s) && r(s) ? 1 : 0);
    default:
      return (s) => (l(s) || r(s) ? 1 : 0);
  }
}

export function promelaModel(spec: PkvmFamilySpec, title = 'pKVM world'): PromelaModel {
  const reducer = pkvmReducer(spec);
  const android = spec.kernel === 'android';
  const guestCount = spec.guests.length;
  const declared: Omit<PromelaVariable, 'initial'>[] = [];
  const declare = (name: string, type: PromelaVariable['type']): Var => {
    declared.push({ name, type });
    return { kind: 'var', index: declared.length - 1 };
  };
  // One variable per field of the reducer's state, in the order of `stateVector`.
  const pages: PageVars[] = spec.pages.map((_, p) => ({
    host: declare(`p${p}_host`, 'byte'),
    hyp: declare(`p${p}_hyp`, 'byte'),
    ffa: declare(`p${p}_ffa`, 'bit'),
    iommu: declare(`p${p}_iommu`, 'bit'),
    owner: declare(`p${p}_owner`, 'byte'),
    pins: declare(`p${p}_pins`, 'byte'),
    dma: declare(`p${p}_dma`, 'byte'),
    shares: declare(`p${p}_shares`, 'byte'),
    views: spec.guests.map((_, vm) => declare(`p${p}_g${vm}`, 'byte')),
  }));
  const vms: VmVars[] = spec.guests.map((_, vm) => ({
    state: declare(`vm${vm}`, 'byte'),
    vcpus: declare(`vm${vm}_vcpus`, 'byte'),
  }));

  const steps: PromelaStep[] = [];
  const omitted: number[] = [];
  reducer.stepInfo.forEach((info, step) => {
    const rule = RULES[info.call];
    if (!rule) throw new Error(`no Promela rule for ${info.call}`);
    const p = typeof info.args.page === 'number' ? info.args.page : -1;
    const v = typeof info.args.vm === 'string' ? spec.guests.findIndex((g) => g.name === info.args.vm) : -1;
    const memoryType = p >= 0 ? spec.pages[p]!.memoryType : 'memory';
    const made = rule({
      pages,
      page: pages[Math.max(p, 0)]!,
      vm: vms[Math.max(v, 0)]!,
      v,
      isMemory: memoryType === 'memory',
      // `pageAcceptedForFfa`, as in the reducer.
      ffaOk: android ? memoryType !== 'mmio' : memoryType === 'memory',
      isProtected: v >= 0 && spec.guests[v]!.protected,
      guestCount,
      bounds: spec.bounds,
    });
    if (made.length === 0) omitted.push(step);
    else steps.push({ step, call: info.call, args: info.args, cases: made });
  });

  function stateVector(projection: PkvmProjection): number[] {
    const out: number[] = [];
    for (const page of projection.pages) {
      out.push(
        HOST_STATES.indexOf(page.host as (typeof HOST_STATES)[number]),
        HYP_STATES.indexOf(page.hyp as (typeof HYP_STATES)[number]),
        page.sharedWithFfa ? 1 : 0,
        page.iommuIdmapMapped ? 1 : 0,
        page.guestOwner + 1,
        page.hypPinCount,
        page.dmaRefcount,
        page.hostShareGuestCount,
        ...page.guests.map((view) => GUEST_STATES.indexOf(view as (typeof GUEST_STATES)[number])),
      );
    }
    for (const vm of projection.vms) {
      out.push(VM_STATES.indexOf(vm.state as (typeof VM_STATES)[number]), vm.initialisedVcpus);
    }
    return out;
  }
  // Initialised at the declaration: the reducer's initial state.
  const start = stateVector(reducer.decode(reducer.initial));
  if (start.length !== declared.length) throw new Error('the state vector does not match the variables');
  const variables: PromelaVariable[] = declared.map((variable, i) => ({ ...variable, initial: start[i]! }));

  const compiled = new Map(
    steps.map((s) => [
      s.step,
      s.cases.map((c) => ({
        guard: c.guard.map(compile),
        set: c.set.map(([target, value]) => [target.index, compile(value)] as const),
      })),
    ]),
  );
  function evaluateStep(step: number, state: readonly number[]): number[] | undefined {
    let result: number[] | undefined;
    for (const c of compiled.get(step) ?? []) {
      if (!c.guard.every((g) => g(state) !== 0)) continue;
      if (result) throw new Error(`step ${step}: two cases enabled at once`);
      const next = [...state];
      for (const [target, value] of c.set) next[target] = value(next);
      result = next;
    }
    return result;
  }

  const define = (table: Record<string, Expr>) =>
    Object.values(table)
      .map((e) => (e.kind === 'const' ? `#define ${e.name} ${e.value}` : ''))
      .join('\n');
  const guestList = spec.guests.map((g, vm) => `g${vm} = ${g.name}${g.protected ? ' (protected)' : ''}`);
  const pageList = spec.pages.map((page, p) => `p${p} = ${page.label} (${page.memoryType})`);
  const lines: string[] = [
    `/* ${title}: the pKVM reducer's semantics (bench/pkvmReducer.ts) for SPIN.`,
    ` * kernel ${spec.kernel}, IOMMU ${spec.iommu}, raw FF-A calls ${spec.rawFfaCalls ? 'on' : 'off'},`,
    ` * bounds: hypPins ${spec.bounds.hypPins}, dmaMappings ${spec.bounds.dmaMappings}, vcpus ${spec.bounds.vcpus}.`,
    ` * pages: ${pageList.join(', ')}.`,
    ` * guests: ${guestList.join(', ')}.`,
    ` * ${steps.length} of the ${reducer.stepInfo.length} steps can be enabled for this spec, one d_step per case. */`,
    '',
    define(HOST),
    define(HYP),
    define(GUEST),
    define(VM),
    '',
  ];
  const width = Math.max(...variables.map((variable) => variable.name.length));
  for (let i = 0; i < variables.length; i++) {
    const variable = variables[i]!;
    lines.push(`${variable.type.padEnd(4)} ${`${variable.name} =`.padEnd(width + 2)} ${variable.initial};`);
  }
  lines.push('', 'active proctype world() {', 'end:', '  do');
  for (const s of steps) {
    const args = Object.entries(s.args)
      .map(([key, value]) => `${key} ${value}`)
      .join(', ');
    lines.push(`  /* step ${s.step}: ${s.call} (${args}) */`);
    for (const c of s.cases) {
      const guard = c.guard
        .map((g) => render(g, variables, g.kind === 'op' && (g.op === '||' || g.op === '&&')))
        .join(' && ');
      const set = c.set.map(
        ([target, value]) => `${render(target, variables)} = ${render(value, variables)}`,
      );
      lines.push(`  :: d_step { ${guard} -> ${set.join('; ')} }`);
    }
  }
  lines.push('  od', '}', '');
  return { text: lines.join('\n'), variables, steps, omitted, stateVector, evaluateStep };
}

/**
 * Stepping XState machines in the exploration loop.
 *
 * Two drivers share one interface:
 * - `interpretedStepper` calls `machine.transition(snapshot, event, scope)` with one reused
 *   inert actor scope: XState itself decides every step. It is the reference.
 * - `compileMachine` walks the machine's state nodes once and builds, per leaf state and
 *   event type, the candidate transitions with their guards and `assign` actions resolved
 *   from `machine.implementations`. A step is then a map lookup, guard calls and context
 *   merges: the same semantics without XState's per-step bookkeeping. `test/engine` checks
 *   on every machine that both drivers agree step by step.
 *
 * The exported per-call `transition()` of xstate is never used here: it builds a new actor
 * on every call (it measured 480 times slower than a reused scope).
 */
import {
  type AnyActorScope,
  type AnyStateMachine,
  type AnyStateNode,
  createActor,
  type StateValue,
} from 'xstate';
import type { MachineSnapshot } from '../../machines/snapshot.ts';

export type { MachineSnapshot };

export interface MachineEvent {
  readonly type: string;
}

/** Why a machine did not take an event. */
export interface Refusal {
  /** `unhandled`: no transition for this event in the current state; `guard`: every candidate's guard failed. */
  readonly reason: 'unhandled' | 'guard';
  /** The first named check that failed, when `reason` is `guard`. */
  readonly failedGuard?: string;
  readonly state: string;
}

export interface Stepper<C = unknown> {
  readonly machine: AnyStateMachine;
  initial(input?: unknown): MachineSnapshot<C>;
  /**
   * The next snapshot, or `undefined` when the machine takes no transition for `event`.
   * Events the transition emits (XState `emit` actions) are appended to `emitted`.
   */
  step(
    snap: MachineSnapshot<C>,
    event: MachineEvent,
    emitted?: MachineEvent[],
  ): MachineSnapshot<C> | undefined;
  /** Event types with at least one transition from the snapshot's state (guards not evaluated). */
  handles(snap: MachineSnapshot<C>, eventType: string): boolean;
  /** Why `event` is refused in `snap`; `undefined` if it is accepted. */
  explain(snap: MachineSnapshot<C>, event: MachineEvent): Refusal | undefined;
}

export class MachineCompileError extends Error {
  readonly code = 'MACHINE_NOT_COMPILABLE';
}

/** Dot-joined leaf path of an XState state value of a machine without parallel states. */
export function leafPath(value: StateValue): string {
  if (typeof value === 'string') return value;
  const keys = Object.keys(value);
  if (keys.length !== 1) throw new MachineCompileError('parallel states are not supported by the stepper');
  const key = keys[0]!;
  const child = value[key];
  return child === undefined ? key : `${key}.${leafPath(child as StateValue)}`;
}

function pathToStateValue(path: string): StateValue {
  const parts = path.split('.');
  let value: StateValue = parts[parts.length - 1]!;
  for (let i = parts.length - 2; i >= 0; i--) value = { [parts[i]!]: value };
  return value;
}

/** An actor scope that executes nothing, reused for every step of one machine. */
export function createReusableScope(machine: AnyStateMachine): AnyActorScope {
  const self = createActor(machine);
  return {
    self,
    defer: () => {},
    id: '',
    logger: () => {},
    sessionId: '',
    stopChild: () => {},
    system: self.system,
    emit: () => {},
    actionExecutor: () => {},
  };
}

/* ------------------------------------------------------------------------------------------ */
/* Reference driver: XState decides                                                            */
/* ------------------------------------------------------------------------------------------ */

/** Steps with `machine.transition` and a reused inert scope; XState snapshots ride along. */
export function interpretedStepper<C>(machine: AnyStateMachine): Stepper<C> {
  const scope = createReusableScope(machine);
  type XSnap = ReturnType<AnyStateMachine['getInitialSnapshot']>;
  const native = new WeakMap<MachineSnapshot<C>, XSnap>();
  const wrap = (x: XSnap): MachineSnapshot<C> => {
    const snap: MachineSnapshot<C> = { value: leafPath(x.value), context: x.context as C };
    native.set(snap, x);
    return snap;
  };
  const unwrap = (snap: MachineSnapshot<C>): XSnap =>
    native.get(snap) ??
    machine.resolveState({ value: pathToStateValue(snap.value), context: snap.context as never });
  const compiled = compileMachine<C>(machine);
  let sink: MachineEvent[] | undefined;
  scope.actionExecutor = (action) => {
    // An emit action's params are `{ event }` (xstate's `emit()`).
    const event = (action.params as { event?: MachineEvent } | undefined)?.event;
    if (action.type === 'xstate.emit' && sink && event) sink.push(event);
  };
  return {
    machine,
    initial: (input) => wrap(machine.getInitialSnapshot(scope, input)),
    step(snap, event, emitted) {
      const before = unwrap(snap);
      // A transition that only emits, or does nothing, returns the very same snapshot, so
      // acceptance is read from the enabled transitions, not from snapshot identity.
      if (machine.getTransitionData(before, event as never).length === 0) return undefined;
      sink = emitted;
      const after = machine.transition(before, event as never, scope);
      sink = undefined;
      return wrap(after);
    },
    handles: compiled.handles,
    explain: compiled.explain,
  };
}

/* ------------------------------------------------------------------------------------------ */
/* Compiled driver                                                                             */
/* ------------------------------------------------------------------------------------------ */

type Check = (context: unknown, event: MachineEvent) => boolean;
type Update = (context: unknown, event: MachineEvent) => Record<string, unknown>;

/** One compiled action: a context update (`assign`) or an event to emit (`emit`). */
type Operation =
  | { readonly kind: 'assign'; readonly update: Update }
  | { readonly kind: 'emit'; readonly event: (context: unknown, event: MachineEvent) => MachineEvent };

interface GuardTree {
  readonly name: string;
  readonly check: Check;
  /** For `and`: the named checks in order, so a refusal names the first that failed. */
  readonly parts?: readonly GuardTree[];
}

interface CompiledTransition {
  readonly guard?: GuardTree;
  readonly operations: readonly Operation[];
  /** Leaf path after the transition; `undefined` for a targetless transition. */
  readonly target?: string;
}

interface Implementations {
  guards: Record<string, unknown>;
  actions: Record<string, unknown>;
}

function nodePath(node: AnyStateNode): string {
  return node.path.join('.');
}

function initialLeaf(node: AnyStateNode): AnyStateNode {
  let current = node;
  while (current.type === 'compound') {
    const target = current.initial?.target?.[0];
    if (!target) throw new MachineCompileError(`state ${nodePath(current)} has no initial child`);
    current = target;
  }
  if (current.type === 'parallel' || current.type === 'history') {
    throw new MachineCompileError(`state ${nodePath(current)}: ${current.type} states are not supported`);
  }
  return current;
}

function resolveParams(params: unknown, context: unknown, event: MachineEvent): unknown {
  return typeof params === 'function' ? params({ context, event }) : params;
}

function compileGuard(guard: unknown, impls: Implementations, where: string): GuardTree {
  if (typeof guard === 'function' && !('check' in guard)) {
    const fn = guard as (args: unknown, params: unknown) => boolean;
    return { name: fn.name || 'inline', check: (context, event) => fn({ context, event }, undefined) };
  }
  const builtin = guard as { name?: string; guards?: unknown[]; check?: unknown };
  if (typeof guard === 'function' && builtin.guards) {
    const parts = builtin.guards.map((g) => compileGuard(g, impls, where));
    const kind = builtin.name;
    if (kind === 'and') {
      return {
        name: parts.map((p) => p.name).join(' && '),
        parts,
        check: (c, e) => {
          for (const p of parts) if (!p.check(c, e)) return false;
          return true;
        },
      };
    }
    if (kind === 'or') {
      return {
        name: parts.map((p) => p.name).join(' || '),
        check: (c, e) => {
          for (const p of parts) if (p.check(c, e)) return true;
          return false;
        },
      };
    }
    if (kind === 'not') {
      const inner = parts[0]!;
      return { name: `!${inner.name}`, check: (c, e) => !inner.check(c, e) };
    }
    throw new MachineCompileError(`${where}: unsupported higher-order guard ${String(kind)}`);
  }
  const name = typeof guard === 'string' ? guard : (guard as { type: string }).type;
  const params = typeof guard === 'string' ? undefined : (guard as { params?: unknown }).params;
  const resolved = impls.guards[name];
  if (resolved === undefined) throw new MachineCompileError(`${where}: guard '${name}' is not implemented`);
  if (typeof resolved === 'function' && !('check' in resolved)) {
    const fn = resolved as (args: unknown, params: unknown) => boolean;
    if (params === undefined) return { name, check: (context, event) => fn({ context, event }, undefined) };
    return { name, check: (context, event) => fn({ context, event }, resolveParams(params, context, event)) };
  }
  const inner = compileGuard(resolved, impls, where);
  return { ...inner, name };
}

function compileAction(action: unknown, impls: Implementations, where: string): Operation {
  let resolved: unknown = action;
  let params: unknown;
  if (typeof action === 'string' || (typeof action === 'object' && action !== null && 'type' in action)) {
    const name = typeof action === 'string' ? action : (action as { type: string }).type;
    params = typeof action === 'string' ? undefined : (action as { params?: unknown }).params;
    resolved = impls.actions[name];
    if (resolved === undefined)
      throw new MachineCompileError(`${where}: action '${name}' is not implemented`);
  }
  const builtin = resolved as { type?: string; assignment?: unknown; event?: unknown };
  if (builtin.type === 'xstate.emit') {
    const emitted = builtin.event;
    if (typeof emitted === 'function') {
      const fn = emitted as (args: unknown, params: unknown) => MachineEvent;
      return {
        kind: 'emit',
        event: (context, event) => fn({ context, event }, resolveParams(params, context, event)),
      };
    }
    return { kind: 'emit', event: () => emitted as MachineEvent };
  }
  const assignment = builtin.assignment;
  if (builtin.type !== 'xstate.assign' || assignment === undefined) {
    throw new MachineCompileError(`${where}: only assign and emit actions can be compiled`);
  }
  if (typeof assignment === 'function') {
    const fn = assignment as (args: unknown, params: unknown) => Record<string, unknown>;
    return {
      kind: 'assign',
      update: (context, event) => fn({ context, event }, resolveParams(params, context, event)),
    };
  }
  const entries = Object.entries(assignment as Record<string, unknown>);
  return {
    kind: 'assign',
    update: (context, event) => {
      const out: Record<string, unknown> = {};
      const p = resolveParams(params, context, event);
      for (const [key, assigner] of entries) {
        out[key] = typeof assigner === 'function' ? assigner({ context, event }, p) : assigner;
      }
      return out;
    },
  };
}

function asArray<T>(value: T | readonly T[] | undefined): readonly T[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? (value as readonly T[]) : [value as T];
}

function allNodes(root: AnyStateNode): AnyStateNode[] {
  const out: AnyStateNode[] = [root];
  for (const child of Object.values(root.states) as AnyStateNode[]) out.push(...allNodes(child));
  return out;
}

/**
 * Builds the compiled driver. Supported: compound and atomic states, external and targetless
 * transitions, named guards (with `and`, `or`, `not`), `assign` actions. Anything else (entry or
 * exit actions, eventless or delayed transitions, parallel or history states, invoked actors)
 * throws `MachineCompileError` so that a machine never silently steps differently.
 */
export function compileMachine<C>(machine: AnyStateMachine): Stepper<C> {
  const impls: Implementations = machine.implementations;
  const nodes = allNodes(machine.root);
  for (const node of nodes) {
    const where = `${machine.id}.${nodePath(node) || '(root)'}`;
    if (node.entry.length || node.exit.length) throw new MachineCompileError(`${where}: entry/exit actions`);
    if (node.always?.length) throw new MachineCompileError(`${where}: eventless transitions`);
    if (node.after.length) throw new MachineCompileError(`${where}: delayed transitions`);
    if (node.invoke.length) throw new MachineCompileError(`${where}: invoked actors`);
    if (node.type === 'parallel' || node.type === 'history') {
      throw new MachineCompileError(`${where}: ${node.type} states`);
    }
  }
  const table = new Map<string, Map<string, CompiledTransition[]>>();
  for (const leaf of nodes.filter((n) => n.type === 'atomic' || n.type === 'final')) {
    const byEvent = new Map<string, CompiledTransition[]>();
    for (let node: AnyStateNode | undefined = leaf; node; node = node.parent) {
      for (const [eventType, definitions] of node.transitions) {
        if (eventType.includes('*'))
          throw new MachineCompileError(`${machine.id}: wildcard event ${eventType}`);
        const list = byEvent.get(eventType) ?? [];
        for (const definition of definitions) {
          const where = `${machine.id}.${nodePath(node)} on ${eventType}`;
          const targets = asArray(definition.target as AnyStateNode[] | undefined);
          if (targets.length > 1) throw new MachineCompileError(`${where}: several targets`);
          if (definition.reenter && targets.length === 0) throw new MachineCompileError(`${where}: reentry`);
          const compiled: CompiledTransition = {
            ...(definition.guard ? { guard: compileGuard(definition.guard, impls, where) } : {}),
            operations: asArray(definition.actions as unknown[]).map((a) => compileAction(a, impls, where)),
            ...(targets[0] ? { target: nodePath(initialLeaf(targets[0])) } : {}),
          };
          list.push(compiled);
        }
        byEvent.set(eventType, list);
      }
    }
    table.set(nodePath(leaf), byEvent);
  }
  const none: readonly CompiledTransition[] = [];
  const candidates = (value: string, type: string) => table.get(value)?.get(type) ?? none;

  function step(
    snap: MachineSnapshot<C>,
    event: MachineEvent,
    emitted?: MachineEvent[],
  ): MachineSnapshot<C> | undefined {
    const list = candidates(snap.value, event.type);
    for (let i = 0; i < list.length; i++) {
      const t = list[i]!;
      if (t.guard && !t.guard.check(snap.context, event)) continue;
      let context = snap.context as unknown;
      for (const op of t.operations) {
        if (op.kind === 'assign') context = Object.assign({}, context, op.update(context, event));
        else if (emitted) emitted.push(op.event(context, event));
      }
      return { value: t.target ?? snap.value, context: context as C };
    }
    return undefined;
  }

  function firstFailing(tree: GuardTree, context: unknown, event: MachineEvent): string {
    if (tree.parts) {
      for (const part of tree.parts)
        if (!part.check(context, event)) return firstFailing(part, context, event);
    }
    return tree.name;
  }

  return {
    machine,
    initial(input) {
      const x = machine.getInitialSnapshot(createReusableScope(machine), input);
      return { value: leafPath(x.value), context: x.context as C };
    },
    step,
    handles: (snap, type) => candidates(snap.value, type).length > 0,
    explain(snap, event) {
      const list = candidates(snap.value, event.type);
      if (list.length === 0) return { reason: 'unhandled', state: snap.value };
      if (step(snap, event, [])) return undefined;
      const first = list[0]!;
      return {
        reason: 'guard',
        state: snap.value,
        ...(first.guard ? { failedGuard: firstFailing(first.guard, snap.context, event) } : {}),
      };
    },
  };
}

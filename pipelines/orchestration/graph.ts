import { GraphError, UsageError } from '../errors.js';
import type { Asset } from './asset.js';

/**
 * The assets in dependency order. Throws when an upstream key is unknown or the graph has a
 * cycle, naming the assets involved.
 */
export function topologicalOrder(assets: readonly Asset[]): Asset[] {
  const byKey = new Map(assets.map((a) => [a.key, a]));
  const waitingOn = new Map<string, number>();
  const downstream = new Map<string, string[]>();
  for (const asset of assets) {
    for (const up of asset.upstream) {
      if (!byKey.has(up)) throw new GraphError(`Unknown upstream ${up} of ${asset.key}`);
      downstream.set(up, [...(downstream.get(up) ?? []), asset.key]);
    }
    waitingOn.set(asset.key, new Set(asset.upstream).size);
  }
  // Kahn's algorithm; among the ready assets, loads first, then by layer and name, so runs read in a stable order.
  const rank = (a: Asset) => `${KIND_ORDER.indexOf(a.kind)}:${LAYER_ORDER.indexOf(a.group)}:${a.key}`;
  const ready = assets.filter((a) => waitingOn.get(a.key) === 0);
  const ordered: Asset[] = [];
  while (ready.length > 0) {
    ready.sort((a, b) => rank(a).localeCompare(rank(b)));
    const next = ready.shift()!;
    ordered.push(next);
    for (const key of new Set(downstream.get(next.key) ?? [])) {
      const left = waitingOn.get(key)! - 1;
      waitingOn.set(key, left);
      if (left === 0) ready.push(byKey.get(key)!);
    }
  }
  if (ordered.length < assets.length) {
    const cycle = onCycles(assets.filter((a) => !ordered.includes(a)));
    throw new GraphError(`Cycle in the asset graph among: ${cycle.map((a) => (a.file ? `${a.key} (${a.file})` : a.key)).join(', ')}`);
  }
  return ordered;
}

/**
 * Of the assets Kahn's algorithm could not order, those on a cycle: the ones merely downstream of
 * a cycle (the report site, say) are peeled off, as they feed nothing that is stuck.
 */
function onCycles(stuck: readonly Asset[]): Asset[] {
  let remaining = [...stuck];
  for (;;) {
    const feeding = new Set(remaining.flatMap((a) => a.upstream));
    const next = remaining.filter((a) => feeding.has(a.key));
    if (next.length === remaining.length) return remaining;
    remaining = next;
  }
}

const KIND_ORDER = ['load', 'model', 'analytics', 'publish'];
const LAYER_ORDER = ['staging', 'intermediate', 'marts', 'analytics'];

/**
 * The keys a selection names, Dagster-style. Terms are separated by commas or spaces:
 * `key`, `key+` (and everything downstream), `+key` (and everything upstream), `group:name`,
 * `tag:name`, `kind:model`, and `*` for everything.
 */
export function selectAssets(assets: readonly Asset[], selection: string | undefined): Set<string> {
  if (!selection || selection.trim() === '' || selection.trim() === '*') return new Set(assets.map((a) => a.key));
  const byKey = new Map(assets.map((a) => [a.key, a]));
  const downstream = new Map<string, string[]>();
  for (const asset of assets) for (const up of asset.upstream) downstream.set(up, [...(downstream.get(up) ?? []), asset.key]);
  const closure = (start: string, next: (key: string) => readonly string[]) => {
    const seen = new Set<string>();
    const stack = [start];
    while (stack.length > 0) {
      const key = stack.pop()!;
      if (seen.has(key)) continue;
      seen.add(key);
      stack.push(...next(key));
    }
    return seen;
  };

  const selected = new Set<string>();
  for (const term of selection.split(/[\s,]+/).filter(Boolean)) {
    const up = term.startsWith('+');
    const down = term.endsWith('+');
    const core = term.replace(/^\+/, '').replace(/\+$/, '');
    const [prefix, value] = core.includes(':') ? (core.split(':', 2) as [string, string]) : ['', core];
    let matched: Asset[];
    if (prefix === 'group') matched = assets.filter((a) => a.group === value);
    else if (prefix === 'tag') matched = assets.filter((a) => a.tags.includes(value));
    else if (prefix === 'kind') matched = assets.filter((a) => a.kind === value);
    else {
      const exact = byKey.get(core) ?? assets.find((a) => a.key.split('.')[1] === core);
      matched = exact ? [exact] : [];
    }
    if (matched.length === 0) throw new UsageError(`Selection '${term}' matches no asset`);
    for (const asset of matched) {
      selected.add(asset.key);
      if (up) for (const key of closure(asset.key, (k) => byKey.get(k)?.upstream ?? [])) selected.add(key);
      if (down) for (const key of closure(asset.key, (k) => downstream.get(k) ?? [])) selected.add(key);
    }
  }
  return selected;
}

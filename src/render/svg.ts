/**
 * DOT to SVG with Graphviz compiled to WebAssembly (`@hpcc-js/wasm-graphviz`): offline, no
 * native binary. The module (about 1 MB of WASM) is loaded on the first render only, so
 * commands that draw nothing never pay for it.
 */
import type { Graphviz } from '@hpcc-js/wasm-graphviz';

let graphviz: Promise<Graphviz> | undefined;

function loadGraphviz(): Promise<Graphviz> {
  graphviz ??= import('@hpcc-js/wasm-graphviz').then((module) => module.Graphviz.load());
  return graphviz;
}

/** Lays out DOT text and returns a standalone SVG document. */
export async function renderSvg(dot: string): Promise<string> {
  return (await loadGraphviz()).dot(dot);
}

/**
 * An SVG document as an element to inline in HTML: without the XML declaration, the DOCTYPE
 * (which names a DTD by URL) and comments; the root keeps its namespace declarations. Ids get
 * `idPrefix`, so that several drawings can share one page.
 */
export function inlineSvg(svg: string, idPrefix = ''): string {
  return svg
    .replace(/<\?xml[^>]*\?>/g, '')
    .replace(/<!DOCTYPE[^>]*>/g, '')
    .replace(/<!--[\s\S]*?-->/g, '')
    .replace(/ id="/g, ` id="${idPrefix}`)
    .replace(/(href|xlink:href)="#/g, `$1="#${idPrefix}`)
    .replace(/url\(#/g, `url(#${idPrefix}`)
    .trim();
}

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

/**
 * The faces a machine chart's SVG asks for, widest first. Graphviz lays the chart out with
 * Verdana's metrics (`dot.ts`); DejaVu Sans and Bitstream Vera share them, and every later
 * fallback is narrower, so no text outgrows the box measured for it.
 */
export const CHART_FONT_STACK = "Verdana, 'DejaVu Sans', 'Bitstream Vera Sans', Arial, Helvetica, sans-serif";

/**
 * A machine chart's SVG made to read the same everywhere: its font declared as
 * `CHART_FONT_STACK`, and each node's and edge's `<title>` (Graphviz writes the DOT names
 * there) replaced by its tooltip, so hovering shows the full conditions and what they mirror.
 */
export function chartSvg(svg: string): string {
  return svg
    .replace(/font-family="Verdana"/g, `font-family="${CHART_FONT_STACK}"`)
    .replace(
      /<title>[^<]*<\/title>(\s*<g id="a_[^"]*"><a xlink:title="([^"]*)">)/g,
      (_, anchor: string, tip: string) => `<title>${tip}</title>${anchor}`,
    );
}

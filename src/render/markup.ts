/** Text for markup: escaping for HTML and inline SVG, identifiers, wrapping for labels. */

export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** A value usable inside an id or a class name: `tzasc-sound` stays, anything else becomes `-`. */
export function slug(text: string): string {
  return text.replace(/[^A-Za-z0-9_-]/g, '-');
}

/** Splits text into lines of at most `width` characters at spaces (long words stay whole). */
export function wrapWords(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter((w) => w !== '')) {
    if (line !== '' && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line === '' ? word : `${line} ${word}`;
    }
  }
  if (line !== '') lines.push(line);
  return lines;
}

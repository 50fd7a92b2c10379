/**
 * A minimal XML reader for the reporter tests: checks that a document is well formed (one root,
 * tags nested and closed, attributes quoted and unique, only the five predefined entities and
 * character references, no raw `<` or `&` in text) and returns its element tree. Throws on the
 * first problem. Enough for JUnit output; not a general parser (no DTD, no CDATA, no comments).
 */

export interface XmlElement {
  readonly name: string;
  readonly attributes: Readonly<Record<string, string>>;
  readonly children: readonly XmlElement[];
  readonly text: string;
}

const NAME = /^[A-Za-z_][\w.-]*/;
const ENTITIES: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decode(raw: string, at: number): string {
  if (/<|&(?!(amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)/.test(raw)) {
    throw new Error(`a raw < or & near offset ${at}: ${JSON.stringify(raw.slice(0, 40))}`);
  }
  return raw.replace(/&(#x[0-9a-fA-F]+|#\d+|\w+);/g, (_all, entity: string) =>
    entity.startsWith('#x')
      ? String.fromCodePoint(Number.parseInt(entity.slice(2), 16))
      : entity.startsWith('#')
        ? String.fromCodePoint(Number(entity.slice(1)))
        : ENTITIES[entity]!,
  );
}

export function parseXml(document: string): XmlElement {
  let offset = 0;
  const declaration = /^<\?xml [^?]*\?>\s*/.exec(document);
  if (declaration) offset = declaration[0].length;
  const rest = () => document.slice(offset);

  function element(): XmlElement {
    if (document[offset] !== '<') throw new Error(`expected < at ${offset}`);
    offset++;
    const name = NAME.exec(rest())?.[0];
    if (name === undefined) throw new Error(`expected a tag name at ${offset}`);
    offset += name.length;
    const attributes: Record<string, string> = {};
    for (;;) {
      const attribute = /^\s+([A-Za-z_][\w.:-]*)="([^"]*)"/.exec(rest());
      if (attribute === null) break;
      if (attribute[1]! in attributes) throw new Error(`attribute ${attribute[1]} twice on <${name}>`);
      attributes[attribute[1]!] = decode(attribute[2]!, offset);
      offset += attribute[0].length;
    }
    const close = /^\s*(\/?)>/.exec(rest());
    if (close === null) throw new Error(`malformed tag <${name}> at ${offset}`);
    offset += close[0].length;
    if (close[1] === '/') return { name, attributes, children: [], text: '' };
    const children: XmlElement[] = [];
    let text = '';
    for (;;) {
      const end = rest().indexOf('<');
      if (end === -1) throw new Error(`<${name}> is never closed`);
      text += decode(rest().slice(0, end), offset);
      offset += end;
      if (rest().startsWith('</')) {
        const closing = new RegExp(`^</${name}\\s*>`).exec(rest());
        if (closing === null) throw new Error(`<${name}> closed by ${rest().slice(0, 20)} at ${offset}`);
        offset += closing[0].length;
        return { name, attributes, children, text };
      }
      children.push(element());
    }
  }

  const root = element();
  if (rest().trim() !== '') throw new Error(`content after the root element at ${offset}`);
  return root;
}

/** Every http(s) URL in a text other than an XML namespace declaration (`xmlns="..."`). */
export function externalUrls(text: string): string[] {
  return text.replace(/\sxmlns(:[A-Za-z]+)?="[^"]*"/g, '').match(/https?:\/\/[^\s"'<>)]*/g) ?? [];
}

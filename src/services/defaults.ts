/** `options` over `defaults`, where an option given as undefined keeps its default (a plain spread would not). */
export function withDefaults<Defaults extends object, Options extends Partial<Defaults>>(
  defaults: Defaults,
  options: Options,
): Defaults & Options {
  const given = Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined));
  return { ...defaults, ...given } as Defaults & Options;
}

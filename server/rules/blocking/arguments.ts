// Reading a call's arguments, for the few blocking callables that return at once with certain arguments.
import type { Node } from 'web-tree-sitter';

/** The arguments of a call as source text: positional ones in order, keyword ones by name. */
export interface CallArguments {
  positional: string[];
  keywords: Map<string, string>;
  /** `*args` or `**kwargs` present: what is passed cannot be told. */
  unpacked: boolean;
}

export function argumentsOf(call: Node): CallArguments {
  const args: CallArguments = { positional: [], keywords: new Map(), unpacked: false };
  const list = call.childForFieldName('arguments');
  if (list?.type !== 'argument_list') return args;
  for (const arg of list.namedChildren) {
    if (!arg || arg.type === 'comment') continue;
    if (arg.type === 'keyword_argument') {
      const name = arg.childForFieldName('name')?.text;
      const value = arg.childForFieldName('value')?.text;
      if (name && value !== undefined) args.keywords.set(name, value);
    } else if (arg.type === 'list_splat' || arg.type === 'dictionary_splat') {
      args.unpacked = true;
    } else {
      args.positional.push(arg.text);
    }
  }
  return args;
}

/** `False`, `0`, `0.0`: the literal values that turn `block`/`blocking`/`wait` off or make a timeout zero. */
export function isFalsyLiteral(text: string | undefined): boolean {
  return text !== undefined && /^(False|0+(\.0*)?|0?\.0+)$/.test(text.trim());
}

/** The argument passed at `position` or as `keyword`, whichever is given. */
export function argumentAt(args: CallArguments, position: number, keyword: string): string | undefined {
  return args.keywords.get(keyword) ?? args.positional[position];
}

/**
 * Reads `--name value` options from a process's arguments (passed in: this module reads no
 * globals). `option(name)` throws when a required option is missing; `has(name)` tells flags.
 */
export function commandLineOptions(args: readonly string[]): { option(name: string, fallback?: string): string; has(name: string): boolean } {
  return {
    option(name, fallback) {
      const index = args.indexOf(`--${name}`);
      const value = index >= 0 ? args[index + 1] : fallback;
      if (value === undefined) throw new Error(`--${name} is required`);
      return value;
    },
    has(name) {
      return args.includes(`--${name}`);
    },
  };
}

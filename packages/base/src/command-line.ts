export interface CommandLineOptions {
  option(name: string, fallback?: string): string;
  /** The option's value as a whole number of at least `min`: a mistyped one throws at once. */
  integer(name: string, min: number): number;
  has(name: string): boolean;
}

/**
 * Reads `--name value` options from a process's arguments (passed in: this module reads no
 * globals). `option(name)` throws when a required option is missing; `has(name)` tells flags.
 */
export function commandLineOptions(args: readonly string[]): CommandLineOptions {
  const option = (name: string, fallback?: string): string => {
    const index = args.indexOf(`--${name}`);
    const value = index >= 0 ? args[index + 1] : fallback;
    if (value === undefined) throw new Error(`--${name} is required`);
    return value;
  };
  return {
    option,
    integer(name, min) {
      const text = option(name);
      const value = Number(text);
      if (!Number.isSafeInteger(value) || value < min) throw new Error(`--${name} must be a whole number of at least ${min}, not ${JSON.stringify(text)}`);
      return value;
    },
    has(name) {
      return args.includes(`--${name}`);
    },
  };
}

import type { Condition, Update } from '@shoal/expressions';
import type { Item } from '@shoal/model';

/**
 * Write commands: everything the partition state machine needs to apply a write, as plain data.
 * The gateway validates and prepares expressions before a command exists; a command carries no
 * clock readings or random choices of its own, so applying it is deterministic on every replica.
 */
export type ReturnValue = 'NONE' | 'ALL_OLD' | 'UPDATED_OLD' | 'ALL_NEW' | 'UPDATED_NEW';

interface CommandBase {
  condition?: Condition;
  returnValues: ReturnValue;
  /** ReturnValuesOnConditionCheckFailure = ALL_OLD. */
  returnItemOnConditionFailure: boolean;
}

export type WriteCommand =
  | (CommandBase & { kind: 'put'; item: Item })
  | (CommandBase & { kind: 'update'; key: Item; update?: Update })
  | (CommandBase & { kind: 'delete'; key: Item });

/** An apply-time rejection, as data: a command that fails validation during apply changes nothing. */
export interface Rejection {
  type: string;
  message: string;
}

export type WriteOutcome =
  | {
      status: 'applied';
      before: Item | undefined;
      after: Item | undefined;
      attributes: Item | undefined;
      /** DynamoDB's size of `after`, when applying already measured it. */
      afterSize?: number;
      /** Size of the item's collection after the write, for tables with local indexes. */
      itemCollectionBytes?: number;
    }
  | { status: 'conditionFailed'; item: Item | undefined }
  | { status: 'rejected'; rejection: Rejection };

// Types of the SQL-counter preload (a plain .mjs so node can preload it without tsx).
export declare const statementCount: () => number;

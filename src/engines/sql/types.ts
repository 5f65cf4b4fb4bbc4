/**
 * Dataset column types and how they are stored in SQLite. Shared by the datasets store (which creates
 * one typed table per dataset) and the SQL engine (which types query results from the declared types).
 *
 * The declared type names are chosen so SQLite gives each the right affinity (INTEGER, REAL, TEXT)
 * while the Domo type can still be read back from the declaration:
 *   STRING -> TEXT, LONG -> INTEGER, DOUBLE -> DOUBLE (REAL affinity), DECIMAL -> DECIMAL_REAL (REAL),
 *   DATE -> DATE_TEXT (TEXT, 'YYYY-MM-DD'), DATETIME -> DATETIME_TEXT (TEXT, 'YYYY-MM-DDTHH:MM:SS[.sss]' UTC).
 */
export const columnTypes = ['STRING', 'LONG', 'DOUBLE', 'DECIMAL', 'DATE', 'DATETIME'] as const;
export type ColumnType = (typeof columnTypes)[number];

export interface DatasetColumn {
  name: string;
  type: ColumnType;
}

const declared: Record<ColumnType, string> = {
  STRING: 'TEXT',
  LONG: 'INTEGER',
  DOUBLE: 'DOUBLE',
  DECIMAL: 'DECIMAL_REAL',
  DATE: 'DATE_TEXT',
  DATETIME: 'DATETIME_TEXT',
};

export function sqliteDeclaredType(type: ColumnType): string {
  return declared[type];
}

/** The Domo type of a column from its SQLite declared type (null when it is not one of ours). */
export function domoTypeFromDeclared(decl: string | null | undefined): ColumnType | null {
  if (!decl) return null;
  const d = decl.toUpperCase();
  for (const [t, name] of Object.entries(declared)) if (name === d) return t as ColumnType;
  return null;
}

/** Quotes an identifier for SQLite ("a""b"). */
export const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`;
